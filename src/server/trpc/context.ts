/** Per-request context: who is calling (cookie session or API token) and from where. */
import type { Beckon } from '../app';
import { readSessionCookie, sessionSetCookie } from '../http/cookies';
import { userForApiToken, userForSession } from '../services/auth';
import type { AuthUser } from '../services/users';

/** Where a procedure adds response headers: a fetch `Headers`, or a Node response's own. */
export type ResponseHeaders = Pick<Headers, 'append'>;

export interface Context {
	app: Beckon;
	user: AuthUser | null;
	/** The raw session cookie, for logout. */
	sessionToken: string | null;
	clientAddress: string;
	/** The caller's `User-Agent`, recorded with end-user events. */
	userAgent: string | null;
	/** Response headers (Set-Cookie); absent for direct calls in tests. */
	resHeaders: ResponseHeaders | null;
	/** Whether cookies must be Secure (the public URL is https). */
	secureCookies: boolean;
}

/** What the context needs of a request, from a fetch `Request` or a Node `IncomingMessage`. */
export interface RequestFacts {
	authorization: string | null;
	cookie: string | null;
	/** The `Origin` header. */
	origin: string | null;
	userAgent?: string | null;
	/** The origin the request was made to (adapter-node's base of the request URL). */
	ownOrigin: string;
}

export function factsOfRequest(req: Request): RequestFacts {
	return {
		authorization: req.headers.get('authorization'),
		cookie: req.headers.get('cookie'),
		origin: req.headers.get('origin'),
		userAgent: req.headers.get('user-agent'),
		ownOrigin: new URL(req.url).origin
	};
}

/**
 * A cookie is only honoured on requests from our own origin: a cross-site form or fetch cannot
 * ride on an agent's session (SameSite covers browsers, this covers the rest).
 */
function sameOrigin(req: RequestFacts, app: Beckon): boolean {
	if (req.origin === null) return true;
	return req.origin === req.ownOrigin || req.origin === new URL(app.config.publicUrl).origin;
}

export function createContext(
	app: Beckon,
	req: RequestFacts,
	resHeaders: ResponseHeaders,
	clientAddress: string
): Context {
	const base = {
		app,
		clientAddress,
		userAgent: req.userAgent ?? null,
		resHeaders,
		secureCookies: app.config.publicUrl.startsWith('https:')
	};
	const bearer = req.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
	if (bearer) return { ...base, user: userForApiToken(app, bearer), sessionToken: null };
	const sessionToken = sameOrigin(req, app)
		? readSessionCookie(req.cookie, base.secureCookies)
		: null;
	return {
		...base,
		user: sessionToken ? userForSession(app, sessionToken) : null,
		sessionToken
	};
}

export function sessionCookie(ctx: Context, value: string, maxAgeSeconds: number): string {
	return sessionSetCookie(ctx.secureCookies, value, maxAgeSeconds);
}
