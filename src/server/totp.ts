/**
 * One-time passwords of authenticator apps: HOTP (RFC 4226) and TOTP (RFC 6238), with the
 * base32 secrets and `otpauth://` URIs apps read from a QR code. Only what Beckon uses: 30-second
 * steps and 6 digits by default, HMAC-SHA-1 as every authenticator app supports.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TOTP_PERIOD_MS = 30_000;
export const TOTP_DIGITS = 6;

type Algorithm = 'sha1' | 'sha256' | 'sha512';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes: Uint8Array): string {
	let bits = 0;
	let value = 0;
	let out = '';
	for (const byte of bytes) {
		value = (value << 8) | byte;
		bits += 8;
		while (bits >= 5) {
			out += BASE32[(value >>> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
	return out;
}

/** Decodes base32, ignoring case, spaces and padding; throws on any other character. */
export function base32Decode(text: string): Buffer {
	const clean = text.toUpperCase().replace(/[\s=]/g, '');
	let bits = 0;
	let value = 0;
	const out: number[] = [];
	for (const char of clean) {
		const index = BASE32.indexOf(char);
		if (index < 0) throw new Error(`Not base32: ${char}`);
		value = (value << 5) | index;
		bits += 5;
		if (bits >= 8) {
			out.push((value >>> (bits - 8)) & 255);
			bits -= 8;
		}
	}
	return Buffer.from(out);
}

/**
 * How a code is made: Beckon's codes are the defaults (6 digits of HMAC-SHA-1); the RFCs' test
 * vectors use the others.
 */
export interface CodeFormat {
	digits?: number;
	algorithm?: Algorithm;
}

/** RFC 4226 §5.3: the HMAC of the counter, dynamically truncated to `digits` digits. */
export function hotp(
	key: Uint8Array,
	counter: number,
	{ digits = TOTP_DIGITS, algorithm = 'sha1' }: CodeFormat = {}
): string {
	const message = Buffer.alloc(8);
	message.writeBigUInt64BE(BigInt(counter));
	const mac = createHmac(algorithm, key).update(message).digest();
	const offset = mac[mac.length - 1] & 0x0f;
	const binary = mac.readUInt32BE(offset) & 0x7fffffff;
	return String(binary % 10 ** digits).padStart(digits, '0');
}

/** RFC 6238: the time step of an instant (ms since the epoch). */
export const timeStep = (now: number) => Math.floor(now / TOTP_PERIOD_MS);

/** RFC 6238: the code of the time step of `now`. */
export function totp(key: Uint8Array, now: number, format?: CodeFormat): string {
	return hotp(key, timeStep(now), format);
}

/**
 * The time step whose code `code` is, among the step of `now` and the one either side of it (a
 * clock a little off, a code typed as it changed); null when none matches.
 */
export function matchingStep(key: Uint8Array, code: string, now: number): number | null {
	const step = timeStep(now);
	const given = Buffer.from(code);
	for (const candidate of [step - 1, step, step + 1]) {
		const expected = Buffer.from(hotp(key, candidate));
		if (expected.length === given.length && timingSafeEqual(expected, given)) return candidate;
	}
	return null;
}

/** The `otpauth://totp/…` URI an authenticator app reads from a QR code (Key Uri Format). */
export function otpauthUri(key: Uint8Array, issuer: string, account: string): string {
	const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
	const query = new URLSearchParams({
		secret: base32Encode(key),
		issuer,
		algorithm: 'SHA1',
		digits: String(TOTP_DIGITS),
		period: String(TOTP_PERIOD_MS / 1000)
	});
	return `otpauth://totp/${label}?${query}`;
}
