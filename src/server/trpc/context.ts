/** Per-request context: who is calling (cookie session or API token) and from where. */
import type { Beckon } from '../app';
import { SESSION_COOKIE, userForApiToken, userForSession } from '../services/auth';
import type { AuthUser } from '../services/users';

export interface Context {
	app: Beckon;
	user: AuthUser | null;
	/** The raw session cookie, for logout. */
	sessionToken: string | null;
	clientAddress: string;
	/** Response headers (Set-Cookie); absent for direct calls in tests. */
	resHeaders: Headers | null;
	/** Whether cookies must be Secure (the public URL is https). */
	secureCookies: boolean;
}

function cookieValue(header: string | null, name: string): string | null {
	for (const part of header?.split(';') ?? []) {
		const [key, ...rest] = part.trim().split('=');
		if (key === name) return decodeURIComponent(rest.join('='));
	}
	return null;
}

/**
 * A cookie is only honoured on requests from our own origin: a cross-site form or fetch cannot
 * ride on an agent's session (SameSite covers browsers, this covers the rest).
 */
function sameOrigin(req: Request, app: Beckon): boolean {
	const origin = req.headers.get('origin');
	if (origin === null) return true;
	const own = new URL(req.url).origin;
	return origin === own || origin === new URL(app.config.publicUrl).origin;
}

export function createContext(
	app: Beckon,
	req: Request,
	resHeaders: Headers,
	clientAddress: string
): Context {
	const base = {
		app,
		clientAddress,
		resHeaders,
		secureCookies: app.config.publicUrl.startsWith('https:')
	};
	const bearer = req.headers.get('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
	if (bearer) return { ...base, user: userForApiToken(app, bearer), sessionToken: null };
	const sessionToken = sameOrigin(req, app)
		? cookieValue(req.headers.get('cookie'), SESSION_COOKIE)
		: null;
	return {
		...base,
		user: sessionToken ? userForSession(app, sessionToken) : null,
		sessionToken
	};
}

export function sessionCookie(ctx: Context, value: string, maxAgeSeconds: number): string {
	const secure = ctx.secureCookies ? '; Secure' : '';
	return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`;
}
