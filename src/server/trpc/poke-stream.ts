/**
 * `sync.poke` written straight onto the response: the same server-sent events tRPC's stream
 * producer writes for a subscription (a `connected` event with the client options, one `data`
 * message per poke, a `ping` event every SSE_PING_MS — tRPC's only after that long without a
 * message, the client does not mind either — and `return` when the stream ends), read by
 * the same tRPC client, without the producer's generators, web streams and text encoders per
 * message; each poke's message is encoded once for every stream that gets it (poke-scheduler.ts). With a thousand devices holding a poke stream, those made a poke cost more than the
 * change behind it, and their garbage set the pace of major collections (tests/reliability/
 * load.spec.ts). Only a caller allowed the stream gets here; refusals are tRPC's answers.
 */
import type { ServerResponse } from 'node:http';
import type { Beckon } from '../app';
import { pokeSchedulerOf, type PokeSink } from './poke-scheduler';
import { SSE_CLIENT, SSE_PING_MS } from './trpc';
import { consumerStalled, dropAfterLifetime, streamSlotsOf } from '../streams';

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
/** tRPC's own shape for a refusal. */
const TOO_MANY_STREAMS = JSON.stringify({
	error: {
		message: 'Too many live streams open; close some and try again',
		code: -32029,
		data: { code: 'TOO_MANY_REQUESTS', httpStatus: 429, reason: 'rate_limited' }
	}
});

export async function writePokeStream(
	app: Beckon,
	userId: string,
	res: ServerResponse,
	signal: AbortSignal,
	clientAddress: string
): Promise<void> {
	// Bounded as every live stream is (streams.ts): slots, lifetime, a consumer that stops reading.
	const release = streamSlotsOf(app).acquire({ userId, address: clientAddress });
	if (!release) {
		res.writeHead(429, { 'Content-Type': 'application/json' }).end(TOO_MANY_STREAMS);
		return;
	}
	res.once('close', release);
	dropAfterLifetime(res);
	res.writeHead(200, HEADERS);
	res.write(CONNECTED);
	const ping = setInterval(() => res.write(PING), SSE_PING_MS);
	try {
		await new Promise<void>((resolve, reject) => {
			const sink: PokeSink = {
				send: (poke) => {
					if (res.destroyed) return;
					if (consumerStalled(res)) return void res.destroy();
					// The same bytes for every stream served this poke (poke-scheduler.ts).
					res.write(poke.frame);
				},
				end: (error) => {
					if (error !== undefined) return reject(error);
					// The user was deactivated, or the server is shutting down: the client resubscribes.
					if (!res.destroyed) res.write(RETURN);
					resolve();
				}
			};
			void pokeSchedulerOf(app).open(userId, sink, signal);
		});
	} finally {
		clearInterval(ping);
		res.end();
	}
}
