/**
 * Session link tokens. A token is the request id followed by an HMAC of (id, link version) under
 * the server secret: nothing is stored, a new link version kills every older token, and the
 * 192-bit MAC makes tokens unguessable. Verification compares in constant time and does the same
 * work whether or not the request exists, so answers reveal nothing about which requests exist.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseUuid } from 'uuid';

const MAC_BYTES = 24;
const ID_BYTES = 16;

function mac(secret: Buffer, requestId: string, linkVersion: number): Buffer {
	return createHmac('sha256', secret)
		.update(`beckon-link:${requestId}:${linkVersion}`)
		.digest()
		.subarray(0, MAC_BYTES);
}

export function createLinkToken(secret: Buffer, requestId: string, linkVersion: number): string {
	const id = Buffer.from(parseUuid(requestId));
	return Buffer.concat([id, mac(secret, requestId, linkVersion)]).toString('base64url');
}

/** The request id a token claims, or null if it is not even shaped like a token. */
export function claimedRequestId(token: string): string | null {
	if (!/^[A-Za-z0-9_-]{54}$/.test(token)) return null;
	const bytes = Buffer.from(token, 'base64url');
	if (bytes.length !== ID_BYTES + MAC_BYTES) return null;
	// Formatted by hand: any 16 bytes make a well-formed id; whether it exists is checked later.
	const hex = bytes.subarray(0, ID_BYTES).toString('hex');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Whether `token` is the current link of the request. Pass `linkVersion` null for an unknown
 * request: a MAC is still computed and compared, so timing does not tell the two cases apart.
 */
export function verifyLinkToken(
	secret: Buffer,
	token: string,
	requestId: string,
	linkVersion: number | null
): boolean {
	const given = Buffer.from(token, 'base64url').subarray(ID_BYTES);
	const expected = mac(secret, requestId, linkVersion ?? -1);
	const equal = given.length === expected.length && timingSafeEqual(given, expected);
	return equal && linkVersion !== null;
}
