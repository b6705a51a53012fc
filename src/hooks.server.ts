import { building } from '$app/environment';
import type { Handle, ServerInit } from '@sveltejs/kit';
import { currentBeckon, startBeckon } from '$server/runtime';
import { API_CACHE_CONTROL, securityHeadersFor } from '$server/security-headers';
import { log } from '$server/log';

export const init: ServerInit = async () => {
	if (!building) await startBeckon();
};

/**
 * Security headers on everything served per request (the CSP itself comes from kit.csp); the
 * built server also sets them on the prerendered agent app and static files (security-headers.ts).
 */
export const handle: Handle = async ({ event, resolve }) => {
	const started = performance.now();
	const requestId = crypto.randomUUID();
	event.locals.requestId = requestId;
	let response = await resolve(event);
	const publicUrl = currentBeckon()?.config.publicUrl ?? '';
	const headers: Record<string, string> = {
		...securityHeadersFor(publicUrl),
		'X-Request-Id': requestId
	};
	if (event.url.pathname.startsWith('/api/') || event.url.pathname === '/readyz') {
		headers['Cache-Control'] = API_CACHE_CONTROL;
	}
	try {
		for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
	} catch {
		// A response with immutable headers (e.g. from fetch): copy it with ours added.
		response = new Response(response.body, response);
		for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
	}
	// The route id, never the path: a session link's token is part of its path. tRPC procedure
	// names are in the path, their inputs (tokens included) are not logged.
	const procedure = event.route.id?.startsWith('/api/trpc')
		? event.url.pathname.slice('/api/trpc/'.length)
		: undefined;
	log.info(
		{
			reqId: requestId,
			method: event.request.method,
			route: event.route.id ?? 'unmatched',
			procedure,
			status: response.status,
			ms: Math.round(performance.now() - started)
		},
		'request'
	);
	return response;
};
