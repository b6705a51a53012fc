/**
 * The session cookie. Served over https it is named `__Host-beckon_session`: browsers accept a
 * cookie with that prefix only when it is Secure, has `Path=/` and no `Domain`, so neither a
 * sibling subdomain nor a plain-http page on the same host can set or overwrite it (cookie
 * tossing). Over plain http (development, tests) the prefix cannot be used.
 */
import { SESSION_COOKIE } from '../services/auth';

export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;

export const sessionCookieName = (secure: boolean) =>
	secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;

export function readCookie(header: string | null, name: string): string | null {
	for (const part of header?.split(';') ?? []) {
		const [key, ...rest] = part.trim().split('=');
		if (key === name) return decodeURIComponent(rest.join('='));
	}
	return null;
}

/** The session cookie's value on a request: over https only the `__Host-` one counts. */
export const readSessionCookie = (header: string | null, secure: boolean) =>
	readCookie(header, sessionCookieName(secure));

/** The Set-Cookie value that stores (or, with an empty value and 0, clears) the session. */
export function sessionSetCookie(secure: boolean, value: string, maxAgeSeconds: number): string {
	const attributes = `Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}`;
	return `${sessionCookieName(secure)}=${value}; ${attributes}${secure ? '; Secure' : ''}`;
}
