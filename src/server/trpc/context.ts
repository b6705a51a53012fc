/** Per-request context: who is calling (cookie session or API token) and from where. */
import type { Beckon } from '../app';
import { readSessionCookie, sessionSetCookie } from '../http/cookies';
import { userForApiToken, userForSession } from '../services/auth';
import type { AuthUser } from '../services/users';
import { runTask } from '../tasks';
import { isUnavailable, unavailableError } from '../db-thread/messages';

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

/**
 * A cookie is only honoured on requests from our own origin: a cross-site form or fetch cannot
 * ride on an agent's session (SameSite covers browsers, this covers the rest).
 */
function sameOrigin(req: RequestFacts, app: Beckon): boolean {
	if (req.origin === null) return true;
	return req.origin === req.ownOrigin || req.origin === new URL(app.config.publicUrl).origin;
}

/** Who a request says it is: an API token, or a session cookie honoured for its origin. */
export interface Credentials {
	bearer: string | null;
	sessionToken: string | null;
}

function credentialsOf(app: Beckon, req: RequestFacts): Credentials {
	const bearer = req.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
	if (bearer) return { bearer, sessionToken: null };
	const sessionToken = sameOrigin(req, app)
		? readSessionCookie(req.cookie, app.config.publicUrl.startsWith('https:'))
		: null;
	return { bearer: null, sessionToken };
}

/** The user the credentials stand for, or null (task: where the database is). */
export function userOf(app: Beckon, credentials: Credentials): AuthUser | null {
	if (credentials.bearer) return userForApiToken(app, credentials.bearer);
	return credentials.sessionToken ? userForSession(app, credentials.sessionToken) : null;
}

function contextOf(
	app: Beckon,
	req: RequestFacts,
	credentials: Credentials,
	user: AuthUser | null,
	resHeaders: ResponseHeaders,
	clientAddress: string
): Context {
	return {
		app,
		user,
		sessionToken: credentials.sessionToken,
		clientAddress,
		userAgent: req.userAgent ?? null,
		resHeaders,
		secureCookies: app.config.publicUrl.startsWith('https:')
	};
}

export function createContext(
	app: Beckon,
	req: RequestFacts,
	resHeaders: ResponseHeaders,
	clientAddress: string
): Context {
	const credentials = credentialsOf(app, req);
	return contextOf(
		app,
		req,
		credentials,
		lookUp(() => userOf(app, credentials)),
		resHeaders,
		clientAddress
	);
}

/**
 * The user lookup of a context, made before any procedure runs: PostgreSQL out of reach is
 * answered as the procedures' own refusals are, SERVICE_UNAVAILABLE, not as a server error.
 */
function lookUp<T>(find: () => T): T {
	try {
		return find();
	} catch (error) {
		if (isUnavailable(error)) throw unavailableError(error);
		throw error;
	}
}

/**
 * createContext wherever the database is: on the HTTP thread of a server on PostgreSQL (whose
 * live streams are served there), the user is looked up on the database thread.
 */
export async function resolveContext(
	app: Beckon,
	req: RequestFacts,
	resHeaders: ResponseHeaders,
	clientAddress: string
): Promise<Context> {
	if (!app.thread) return createContext(app, req, resHeaders, clientAddress);
	const credentials = credentialsOf(app, req);
	let user: AuthUser | null;
	try {
		user = await runTask(app, 'auth.user', credentials);
	} catch (error) {
		if (isUnavailable(error)) throw unavailableError(error);
		throw error;
	}
	return contextOf(app, req, credentials, user, resHeaders, clientAddress);
}

export function sessionCookie(ctx: Context, value: string, maxAgeSeconds: number): string {
	return sessionSetCookie(ctx.secureCookies, value, maxAgeSeconds);
}
