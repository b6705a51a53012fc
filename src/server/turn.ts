/**
 * The ICE servers each side of a live session gets. A TURN server configured with a shared
 * secret (BECKON_TURN_URLS, BECKON_TURN_SECRET; coturn's `use-auth-secret`) is offered with
 * credentials made for this session alone by the TURN REST API's rule — the username is the
 * expiry (Unix seconds) and the request id, the password the base64 HMAC-SHA1 of the username
 * under the secret — which stop working after BECKON_TURN_TTL. Entries of BECKON_ICE_SERVERS
 * with static credentials go to agents only: an end user is never handed a long-lived TURN login.
 */
import { createHmac } from 'node:crypto';
import type { Config, IceServer } from './config';

export function iceServersFor(
	config: Pick<Config, 'iceServers' | 'turn'>,
	requestId: string,
	side: 'agent' | 'end_user',
	now: number
): IceServer[] {
	const servers =
		side === 'agent'
			? [...config.iceServers]
			: config.iceServers.filter((server) => server.credential === undefined);
	if (config.turn) {
		const expires = Math.floor((now + config.turn.ttlMs) / 1000);
		const username = `${expires}:${requestId}`;
		const credential = createHmac('sha1', config.turn.secret).update(username).digest('base64');
		servers.push({ urls: config.turn.urls, username, credential });
	}
	return servers;
}
