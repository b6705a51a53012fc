import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, matchingStep, otpauthUri, totp } from './totp';

describe('HOTP (RFC 4226, appendix D)', () => {
	const key = Buffer.from('12345678901234567890');
	const expected = [
		'755224',
		'287082',
		'359152',
		'969429',
		'338314',
		'254676',
		'287922',
		'162583',
		'399871',
		'520489'
	];
	it('gives the RFC’s values for counters 0 to 9', () => {
		expect(expected.map((_, counter) => hotp(key, counter))).toEqual(expected);
	});
});

describe('TOTP (RFC 6238, appendix B)', () => {
	const keys = {
		sha1: Buffer.from('12345678901234567890'),
		sha256: Buffer.from('12345678901234567890123456789012'),
		sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234')
	};
	const vectors: [number, string, string, string][] = [
		[59, '94287082', '46119246', '90693936'],
		[1111111109, '07081804', '68084774', '25091201'],
		[1111111111, '14050471', '67062674', '99943326'],
		[1234567890, '89005924', '91819424', '93441116'],
		[2000000000, '69279037', '90698825', '38618901'],
		[20000000000, '65353130', '77737706', '47863826']
	];
	it.each(vectors)('at %i s gives the RFC’s 8-digit codes', (seconds, sha1, sha256, sha512) => {
		const now = seconds * 1000;
		expect(totp(keys.sha1, now, { digits: 8, algorithm: 'sha1' })).toBe(sha1);
		expect(totp(keys.sha256, now, { digits: 8, algorithm: 'sha256' })).toBe(sha256);
		expect(totp(keys.sha512, now, { digits: 8, algorithm: 'sha512' })).toBe(sha512);
	});

	it('accepts the code of the step before and after, and no other', () => {
		const now = 1_700_000_000_000;
		const step = Math.floor(now / 30_000);
		for (const delta of [-1, 0, 1]) {
			expect(matchingStep(keys.sha1, totp(keys.sha1, now + delta * 30_000), now)).toBe(
				step + delta
			);
		}
		expect(matchingStep(keys.sha1, totp(keys.sha1, now + 60_000), now)).toBeNull();
		expect(matchingStep(keys.sha1, totp(keys.sha1, now - 60_000), now)).toBeNull();
		expect(matchingStep(keys.sha1, '12345', now)).toBeNull();
	});
});

describe('base32 and otpauth URIs', () => {
	it('round-trips bytes and matches RFC 4648’s test vector', () => {
		expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
		expect(base32Decode('mzxw6ytboi======').toString()).toBe('foobar');
		const bytes = Buffer.from(Array.from({ length: 20 }, (_, i) => i * 13));
		expect(base32Decode(base32Encode(bytes))).toEqual(bytes);
	});

	it('names the issuer and account and carries the base32 secret', () => {
		const uri = new URL(otpauthUri(Buffer.from('12345678901234567890'), 'Acme', 'a@b.example'));
		expect(uri.protocol).toBe('otpauth:');
		expect(uri.host).toBe('totp');
		expect(decodeURIComponent(uri.pathname)).toBe('/Acme:a@b.example');
		expect(uri.searchParams.get('secret')).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
		expect(uri.searchParams.get('issuer')).toBe('Acme');
	});
});
