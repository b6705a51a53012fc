/**
 * The security headers of every response. The built server (`beckon serve`, http/server.ts) sets
 * them as each request starts, on the API, the static assets and the prerendered agent app
 * alike, with a CSP header for `frame-ancestors`, which the agent app's <meta> CSP cannot carry;
 * a page SvelteKit renders replaces that CSP with its own full one (kit.csp). `hooks.server.ts`
 * sets them on what SvelteKit renders, which is all the Vite dev server serves.
 */

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

/**
 * Served over https (the public URL is https, as behind a TLS-terminating proxy): browsers are
 * told to use https only for a year, so no later visit starts on plain http where the cookie or
 * the page could be tampered with. Not for subdomains: they may be other services.
 */
export const HSTS = 'max-age=31536000';

/** The security headers for a server whose public URL is `publicUrl`. */
export function securityHeadersFor(publicUrl: string): Record<string, string> {
	if (!publicUrl.startsWith('https:')) return SECURITY_HEADERS;
	return { ...SECURITY_HEADERS, 'Strict-Transport-Security': HSTS };
}

/**
 * API answers carry signed-in users' data (and set the session cookie): no cache, shared or
 * private, may keep them.
 */
export const API_CACHE_CONTROL = 'no-store';
