// Reached under the Vite dev server only: the built server answers /api/trpc before SvelteKit
// (src/server/http/server.ts), with the same router, context and limits.
import type { RequestHandler } from './$types';
import { handleTrpc } from '$server/trpc/handler';
import { getBeckon } from '$server/runtime';

const handler: RequestHandler = (event) =>
	handleTrpc(getBeckon(), event.request, event.getClientAddress(), event.locals.requestId);

export const GET = handler;
export const POST = handler;
