/**
 * `sync.poke` written straight onto the response: the same server-sent events tRPC's stream
 * producer writes for a subscription (a `connected` event with the client options, one `data`
 * message per poke, a `ping` event every SSE_PING_MS — tRPC's only after that long without a
 * message, the client does not mind either — and `return` when the stream ends), read by
 * the same tRPC client, without the producer's generators, web streams and text encoders per
 * message. With a thousand devices holding a poke stream, those made a poke cost more than the
 * change behind it, and their garbage set the pace of major collections (tests/reliability/
 * load.spec.ts). Only a caller allowed the stream gets here; refusals are tRPC's answers.
 */
import type { ServerResponse } from 'node:http';
import type { Beckon } from '../app';
import { pokes } from './routers/sync';
import { SSE_CLIENT, SSE_PING_MS } from './trpc';

/** The headers tRPC sends with a subscription's stream. */
const HEADERS = {
	'Content-Type': 'text/event-stream',
	'Cache-Control': 'no-cache, no-transform',
	Connection: 'keep-alive',
	'X-Accel-Buffering': 'no',
	Vary: 'trpc-accept, accept'
};

const event = (name: string, data = '') => `event: ${name}\ndata: ${data}\n\n\n`;
const CONNECTED = event('connected', JSON.stringify(SSE_CLIENT));
const PING = event('ping');
const RETURN = event('return');

export async function writePokeStream(
	app: Beckon,
	userId: string,
	res: ServerResponse,
	signal: AbortSignal
): Promise<void> {
	res.writeHead(200, HEADERS);
	res.write(CONNECTED);
	const ping = setInterval(() => res.write(PING), SSE_PING_MS);
	try {
		for await (const poke of pokes(app, userId, signal)) {
			if (res.destroyed) return;
			res.write(`data: ${JSON.stringify(poke)}\n\n\n`);
		}
		// The user was deactivated, or the server is shutting down: the client resubscribes.
		if (!res.destroyed) res.write(RETURN);
	} finally {
		clearInterval(ping);
		res.end();
	}
}
