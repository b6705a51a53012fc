/**
 * The second factor's secret at rest: sealed with a key derived from the server secret, a fresh
 * nonce each time, and refused when altered or opened under another server's secret.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestBeckon } from '../../../tests/support/test-beckon';
import type { Beckon } from '../app';
import { decryptSecret, encryptSecret } from './second-factor';

describe('the TOTP secret at rest', () => {
	const beckon = useTestBeckon(() => 1_000_000);

	it('opens what it sealed, with a new nonce each time and no trace of the secret', () => {
		const secret = randomBytes(20);
		const one = encryptSecret(beckon.app, secret);
		const two = encryptSecret(beckon.app, secret);
		expect(one).not.toBe(two);
		expect(one).toMatch(/^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]{27}$/);
		expect(one).not.toContain(secret.toString('base64url'));
		expect(decryptSecret(beckon.app, one)).toEqual(secret);
		expect(decryptSecret(beckon.app, two)).toEqual(secret);
	});

	it('refuses an altered value and another server secret', () => {
		const sealed = encryptSecret(beckon.app, randomBytes(20));
		const [version, iv, tag, body] = sealed.split('.');
		const flipped = Buffer.from(body, 'base64url');
		flipped[0] ^= 1;
		expect(() =>
			decryptSecret(beckon.app, [version, iv, tag, flipped.toString('base64url')].join('.'))
		).toThrow();
		const other = { ...beckon.app, secret: randomBytes(32) } as Beckon;
		expect(() => decryptSecret(other, sealed)).toThrow();
		expect(() => decryptSecret(beckon.app, `v2.${iv}.${tag}.${body}`)).toThrow(/format/);
	});
});
