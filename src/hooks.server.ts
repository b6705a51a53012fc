import { building } from '$app/environment';
import type { Handle, ServerInit } from '@sveltejs/kit';
import { startBeckon } from '$server/runtime';
import { SECURITY_HEADERS } from '$server/security-headers';
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
	const headers = { ...SECURITY_HEADERS, 'X-Request-Id': requestId };
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
