/**
 * The server's VAPID key pair (RFC 8292): the P-256 key that signs every push request, so push
 * services know the pushes come from the server the browsers subscribed with. Made at the first
 * start and kept in the database (`server_keys`), like the link secret: a backup carries it and
 * every instance on one database signs with the same key, so subscriptions survive both.
 */
import type { SqlConnection } from '../db/connection';
import { loadOrCreateServerKey } from '../secret';
import webpush from 'web-push';

const NAME = 'vapid-keys';

export interface VapidKeys {
	/** The uncompressed public point, base64url: what browsers pass as `applicationServerKey`. */
	publicKey: string;
	/** The private scalar, base64url. */
	privateKey: string;
}

function decode(value: string): VapidKeys {
	const [publicKey, privateKey] = value.split('.');
	if (
		!publicKey ||
		!privateKey ||
		Buffer.from(publicKey, 'base64url').length !== 65 ||
		Buffer.from(privateKey, 'base64url').length !== 32
	) {
		throw new Error('The VAPID keys in server_keys are damaged');
	}
	return { publicKey, privateKey };
}

export function loadOrCreateVapidKeys(sqlite: SqlConnection): VapidKeys {
	return decode(
		loadOrCreateServerKey(sqlite, NAME, () => {
			const made = webpush.generateVAPIDKeys();
			return `${made.publicKey}.${made.privateKey}`;
		})
	);
}
