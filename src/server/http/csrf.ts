/**
 * SvelteKit's CSRF check (`csrf.checkOrigin`), which SvelteKit runs before any route and which
 * `/api/trpc` keeps now that it is served before SvelteKit: a form-like body (what an HTML form
 * on another site can send without CORS) from another origin is refused outright. A JSON body
 * cannot be sent cross-site without CORS; for it the context ignores a cross-site cookie instead.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ownOrigin, type ProxySettings } from './proxy';

const FORM_TYPES = new Set([
	'application/x-www-form-urlencoded',
	'multipart/form-data',
	'text/plain',
	'application/x-sveltekit-formdata'
]);
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The media type of the body, lower case, without parameters ('' when none). */
export function mediaType(req: IncomingMessage): string {
	return req.headers['content-type']?.split(';', 1)[0].trim().toLowerCase() ?? '';
}

export function isCrossSiteForm(req: IncomingMessage, proxy: ProxySettings): boolean {
	if (!UNSAFE_METHODS.has(req.method ?? '')) return false;
	return FORM_TYPES.has(mediaType(req)) && req.headers.origin !== ownOrigin(proxy, req.headers);
}

/** SvelteKit's answer, word for word. */
export function refuseCrossSiteForm(req: IncomingMessage, res: ServerResponse) {
	const message = `Cross-site ${req.method} form submissions are forbidden`;
	const json = req.headers.accept === 'application/json';
	res.writeHead(403, { 'Content-Type': json ? 'application/json' : 'text/plain;charset=UTF-8' });
	res.end(json ? JSON.stringify({ message }) : message);
}
