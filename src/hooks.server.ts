import { building } from '$app/environment';
import type { Handle, ServerInit } from '@sveltejs/kit';
import { startBeckon } from '$server/runtime';
import { SECURITY_HEADERS } from '$server/security-headers';

export const init: ServerInit = async () => {
	if (!building) await startBeckon();
};

/**
 * Security headers on everything served per request (the CSP itself comes from kit.csp); the
 * built server also sets them on the prerendered agent app and static files (security-headers.ts).
 */
export const handle: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	try {
		for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
		return response;
	} catch {
		// A response with immutable headers (e.g. from fetch): copy it with ours added.
		const copy = new Response(response.body, response);
		for (const [name, value] of Object.entries(SECURITY_HEADERS)) copy.headers.set(name, value);
		return copy;
	}
};
