/**
 * The security headers of every response. `hooks.server.ts` sets them on what SvelteKit renders
 * (whose pages also get their full Content-Security-Policy from kit.csp). adapter-node serves
 * the prerendered agent app and the static assets before any hook runs, so the built server
 * (`beckon serve`) also sets them as each request starts, with a CSP header for
 * `frame-ancestors`, which the agent app's <meta> CSP cannot carry. A page SvelteKit renders
 * replaces that CSP with its own full one.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { ServerResponse } from 'node:http';

/** The session link carries its token in the path: no-referrer keeps it from leaking. */
export const SECURITY_HEADERS: Record<string, string> = {
	'Referrer-Policy': 'no-referrer',
	'X-Content-Type-Options': 'nosniff',
	'X-Frame-Options': 'DENY',
	// Screen sharing on our own pages only; no camera, microphone or the like anywhere.
	'Permissions-Policy':
		'display-capture=(self), camera=(), microphone=(), geolocation=(), payment=(), usb=()'
};

/** For responses without a page CSP of their own: no framing, no plugins, no <base> tricks. */
export const BASELINE_CSP = "frame-ancestors 'none'; object-src 'none'; base-uri 'self'";

let installed = false;

/** Sets the headers on every response of every HTTP server in this process (call before listening). */
export function secureEveryResponse() {
	if (installed) return;
	installed = true;
	subscribe('http.server.request.start', (message) => {
		const { response } = message as { response: ServerResponse };
		for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
		response.setHeader('Content-Security-Policy', BASELINE_CSP);
	});
}
