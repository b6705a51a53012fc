/**
 * A software passkey authenticator for API tests: a P-256 key pair made with node:crypto, and
 * the browser's JSON answers to `navigator.credentials.create()` (attestation "none") and
 * `.get()` built byte by byte as WebAuthn Level 2 lays them out (authenticator data, COSE key,
 * CBOR attestation object, ECDSA signature over authenticator data ‖ SHA-256(clientDataJSON)).
 * The server verifies them for real with @simplewebauthn/server.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();
const b64url = (data: Buffer) => data.toString('base64url');

type Cbor = number | string | Buffer | Cbor[] | Map<Cbor, Cbor> | { [key: string]: Cbor };

function head(major: number, length: number): Buffer {
	if (length < 24) return Buffer.from([(major << 5) | length]);
	if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
	if (length < 0x10000) return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff]);
	const out = Buffer.alloc(5);
	out[0] = (major << 5) | 26;
	out.writeUInt32BE(length, 1);
	return out;
}

/** The CBOR subset WebAuthn needs: integers, byte and text strings, arrays, maps. */
export function cbor(value: Cbor): Buffer {
	if (typeof value === 'number') {
		return value >= 0 ? head(0, value) : head(1, -1 - value);
	}
	if (typeof value === 'string') {
		const text = Buffer.from(value, 'utf8');
		return Buffer.concat([head(3, text.length), text]);
	}
	if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
	if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(cbor)]);
	const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
	return Buffer.concat([
		head(5, entries.length),
		...entries.flatMap(([key, item]) => [cbor(key), cbor(item)])
	]);
}

const FLAG = { userPresent: 0x01, userVerified: 0x04, attested: 0x40 };

export interface CreationOptions {
	challenge: string;
	rp: { id?: string };
	user: { id: string };
}
export interface RequestOptions {
	challenge: string;
	rpId?: string;
}

export interface ClientSide {
	/** The page's origin the browser puts in clientDataJSON. */
	origin: string;
	/** The RP id the authenticator hashes (the options' by default). */
	rpId?: string;
	userVerified?: boolean;
}

export class SoftAuthenticator {
	readonly credentialId = randomBytes(16);
	readonly #privateKey: KeyObject;
	readonly #publicKey: KeyObject;
	userHandle = '';
	counter = 0;

	constructor() {
		const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
		this.#privateKey = pair.privateKey;
		this.#publicKey = pair.publicKey;
	}

	get id() {
		return b64url(this.credentialId);
	}

	/** The public key as COSE (EC2, ES256, P-256). */
	coseKey(): Buffer {
		const jwk = this.#publicKey.export({ format: 'jwk' });
		return cbor(
			new Map<Cbor, Cbor>([
				[1, 2],
				[3, -7],
				[-1, 1],
				[-2, Buffer.from(jwk.x!, 'base64url')],
				[-3, Buffer.from(jwk.y!, 'base64url')]
			])
		);
	}

	#authData(rpId: string, flags: number, attested?: Buffer): Buffer {
		const count = Buffer.alloc(4);
		count.writeUInt32BE(this.counter);
		return Buffer.concat([sha256(rpId), Buffer.from([flags]), count, attested ?? Buffer.alloc(0)]);
	}

	#flags(side: ClientSide) {
		return FLAG.userPresent | (side.userVerified === false ? 0 : FLAG.userVerified);
	}

	/** The answer to `navigator.credentials.create(options)`, as @simplewebauthn/browser sends it. */
	create(options: CreationOptions, side: ClientSide) {
		this.userHandle = options.user.id;
		const clientDataJSON = Buffer.from(
			JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin: side.origin })
		);
		const idLength = Buffer.alloc(2);
		idLength.writeUInt16BE(this.credentialId.length);
		const attested = Buffer.concat([Buffer.alloc(16), idLength, this.credentialId, this.coseKey()]);
		const authData = this.#authData(
			side.rpId ?? options.rp.id ?? '',
			this.#flags(side) | FLAG.attested,
			attested
		);
		const attestationObject = cbor({ fmt: 'none', attStmt: {}, authData });
		return {
			id: this.id,
			rawId: this.id,
			type: 'public-key' as const,
			clientExtensionResults: {},
			response: {
				clientDataJSON: b64url(clientDataJSON),
				attestationObject: b64url(attestationObject),
				transports: ['internal']
			}
		};
	}

	/**
	 * The answer to `navigator.credentials.get(options)`; `signWith` signs with another key (a
	 * forgery). Each answer counts one use, as hardware authenticators do.
	 */
	get(options: RequestOptions, side: ClientSide, signWith?: SoftAuthenticator) {
		this.counter += 1;
		const clientDataJSON = Buffer.from(
			JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin: side.origin })
		);
		const authData = this.#authData(side.rpId ?? options.rpId ?? '', this.#flags(side));
		const signature = sign(
			'sha256',
			Buffer.concat([authData, sha256(clientDataJSON)]),
			(signWith ?? this).#privateKey
		);
		return {
			id: this.id,
			rawId: this.id,
			type: 'public-key' as const,
			clientExtensionResults: {},
			response: {
				clientDataJSON: b64url(clientDataJSON),
				authenticatorData: b64url(authData),
				signature: b64url(signature),
				...(this.userHandle && { userHandle: this.userHandle })
			}
		};
	}
}
