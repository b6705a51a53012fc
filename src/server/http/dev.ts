/**
 * The API under the Vite dev server, served exactly as the built server serves it: the same
 * request listener (security headers, `/api/trpc` on trpc/node-handler.ts) on the dev server's
 * own Node request, ahead of SvelteKit. The Vite plugin in dev-plugin.js loads this module
 * through the dev server's SSR module graph, so it shares the Beckon that hooks.server.ts starts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startBeckon } from '../runtime';
import { beckonRequestListener } from './server';

let listener: ReturnType<typeof beckonRequestListener> | null = null;

export async function serveDevApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
	// hooks.server.ts `init` runs at the first page request; an API call may come first.
	const app = await startBeckon();
	listener ??= beckonRequestListener(app);
	listener(req, res);
}
