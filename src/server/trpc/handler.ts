/**
 * Serves `/api/trpc` for a fetch-style server: SvelteKit's route, which only the Vite dev server
 * reaches (the built server answers `/api/trpc` before SvelteKit: node-handler.ts).
 */
import { TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { Beckon } from '../app';
import { appRouter } from './_app';
import { MAX_BATCH_SIZE } from '../limits';
import { log } from '../log';
import { createContext, factsOfRequest } from './context';

export const TRPC_ENDPOINT = '/api/trpc';
/** Far above any legitimate call (a full push batch is well under this). */
export const MAX_BODY_BYTES = 1_000_000;

/** Logs what the caller is not told: unexpected failures, with their cause. */
export function logProcedureFailure(requestId: string | undefined) {
	return ({ error, path }: { error: TRPCError; path?: string }) => {
		if (error.code === 'INTERNAL_SERVER_ERROR') {
			log.error(
				{ reqId: requestId, procedure: path, err: error.cause ?? error },
				'procedure failed'
			);
		}
	};
}

/** The request with its body cut off at MAX_BODY_BYTES: a larger one fails as PAYLOAD_TOO_LARGE. */
function limitBody(req: Request): Request {
	if (!req.body) return req;
	// With a declared length the HTTP server reads that many bytes and no more, so a small
	// declared body needs no counting copy (which costs more than a small create itself).
	const declared = Number(req.headers.get('content-length') ?? NaN);
	if (Number.isInteger(declared) && declared >= 0 && declared <= MAX_BODY_BYTES) return req;
	let size = 0;
	const body = req.body.pipeThrough(
		new TransformStream<Uint8Array, Uint8Array>({
			transform(chunk, controller) {
				size += chunk.byteLength;
				if (size > MAX_BODY_BYTES) controller.error(new TRPCError({ code: 'PAYLOAD_TOO_LARGE' }));
				else controller.enqueue(chunk);
			}
		})
	);
	return new Request(req.url, {
		method: req.method,
		headers: req.headers,
		body,
		signal: req.signal,
		duplex: 'half'
	} as RequestInit);
}

export function handleTrpc(
	app: Beckon,
	req: Request,
	clientAddress: string,
	requestId?: string
): Promise<Response> {
	req = limitBody(req);
	return fetchRequestHandler({
		endpoint: TRPC_ENDPOINT,
		req,
		router: appRouter,
		maxBatchSize: MAX_BATCH_SIZE,
		createContext: ({ resHeaders }) =>
			createContext(app, factsOfRequest(req), resHeaders, clientAddress),
		onError: logProcedureFailure(requestId)
	});
}
