/**
 * A push service and a browser's side of Web Push, for tests: an HTTP server on 127.0.0.1 that
 * records each push request and answers with the statuses the test queues (201 when none), and
 * subscriptions made as a browser makes them (a P-256 key pair and a 16-byte auth secret), whose
 * pushes the test decrypts itself (RFC 8188 aes128gcm, keys per RFC 8291) and whose VAPID JWT
 * (RFC 8292) it verifies.
 */
import {
	createECDH,
	createDecipheriv,
	createPublicKey,
	hkdfSync,
	randomBytes,
	verify
} from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPush {
	path: string;
	headers: IncomingHttpHeaders;
	body: Buffer;
}

export interface PushService {
	/** `http://127.0.0.1:<port>`. */
	origin: string;
	received: ReceivedPush[];
	/** Statuses for the next requests, in order; 201 once they run out. */
	answers: number[];
	close(): Promise<void>;
}

export async function startPushService(): Promise<PushService> {
	const service = { received: [] as ReceivedPush[], answers: [] as number[] } as PushService;
	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			service.received.push({
				path: req.url ?? '',
				headers: req.headers,
				body: Buffer.concat(chunks)
			});
			res.writeHead(service.answers.shift() ?? 201).end();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	service.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	service.close = () =>
		new Promise<void>((resolve) => {
			server.closeAllConnections();
			server.close(() => resolve());
		});
	return service;
}

/** A browser's subscription: what it hands the server, and the private half it keeps. */
export class BrowserSubscription {
	readonly ecdh = createECDH('prime256v1');
	readonly authSecret = randomBytes(16);
	readonly publicKey: Buffer;

	constructor(readonly endpoint: string) {
		this.publicKey = this.ecdh.generateKeys();
	}

	/** As `PushSubscription.toJSON()` gives it. */
	toJSON() {
		return {
			endpoint: this.endpoint,
			keys: {
				p256dh: this.publicKey.toString('base64url'),
				auth: this.authSecret.toString('base64url')
			}
		};
	}

	/**
	 * The plaintext of an aes128gcm body (RFC 8188 §2: salt, record size, key id = the sender's
	 * public key, then one record), with the key and nonce of RFC 8291 §3.4.
	 */
	decrypt(body: Buffer): string {
		const salt = body.subarray(0, 16);
		const recordSize = body.readUInt32BE(16);
		const idLength = body[20];
		const senderKey = body.subarray(21, 21 + idLength);
		const record = body.subarray(21 + idLength);
		if (idLength !== 65) throw new Error(`key id of ${idLength} bytes, not a P-256 point`);
		if (record.length > recordSize) throw new Error('more than one record');

		const ecdhSecret = this.ecdh.computeSecret(senderKey);
		const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), this.publicKey, senderKey]);
		const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, this.authSecret, keyInfo, 32));
		const cek = Buffer.from(
			hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16)
		);
		const nonce = Buffer.from(
			hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12)
		);
		const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
		decipher.setAuthTag(record.subarray(record.length - 16));
		const padded = Buffer.concat([
			decipher.update(record.subarray(0, record.length - 16)),
			decipher.final()
		]);
		// The last record ends with the delimiter 0x02, then zero padding (RFC 8188 §2).
		let end = padded.length - 1;
		while (end >= 0 && padded[end] === 0) end--;
		if (padded[end] !== 2) throw new Error('no last-record delimiter');
		return padded.subarray(0, end).toString('utf8');
	}
}

export interface VapidClaims {
	aud: string;
	exp: number;
	sub: string;
}

/**
 * Reads `Authorization: vapid t=<JWT>, k=<key>` (RFC 8292 §3), checks that the JWT is ES256 and
 * signed by the private half of `k`; returns the key and the claims.
 */
export function verifyVapid(authorization: string | undefined): {
	key: string;
	claims: VapidClaims;
} {
	const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
	if (!match) throw new Error(`not a vapid authorization: ${authorization}`);
	const [, jwt, key] = match;
	const [header, claims, signature] = jwt.split('.');
	const parsedHeader = JSON.parse(Buffer.from(header, 'base64url').toString());
	if (parsedHeader.alg !== 'ES256') throw new Error(`alg ${parsedHeader.alg}, not ES256`);
	const point = Buffer.from(key, 'base64url');
	if (point.length !== 65 || point[0] !== 4)
		throw new Error('k is not an uncompressed P-256 point');
	const publicKey = createPublicKey({
		key: {
			kty: 'EC',
			crv: 'P-256',
			x: point.subarray(1, 33).toString('base64url'),
			y: point.subarray(33).toString('base64url')
		},
		format: 'jwk'
	});
	const valid = verify(
		'sha256',
		Buffer.from(`${header}.${claims}`),
		{ key: publicKey, dsaEncoding: 'ieee-p1363' },
		Buffer.from(signature, 'base64url')
	);
	if (!valid) throw new Error('the VAPID signature does not verify');
	return { key, claims: JSON.parse(Buffer.from(claims, 'base64url').toString()) };
}
