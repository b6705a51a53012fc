/** Serves `/api/trpc` for any fetch-style server: SvelteKit's route and the test server alike. */
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { Beckon } from '../app';
import { appRouter } from './_app';
import { createContext } from './context';

export const TRPC_ENDPOINT = '/api/trpc';
/** Far above any legitimate call (a full push batch is well under this). */
export const MAX_BODY_BYTES = 1_000_000;

export function handleTrpc(app: Beckon, req: Request, clientAddress: string): Promise<Response> {
	return fetchRequestHandler({
		endpoint: TRPC_ENDPOINT,
		req,
		router: appRouter,
		createContext: ({ resHeaders }) => createContext(app, req, resHeaders, clientAddress),
		onError({ error, path }) {
			if (error.code === 'INTERNAL_SERVER_ERROR')
				console.error(`tRPC ${path ?? '?'}:`, error.cause ?? error);
		}
	});
}
