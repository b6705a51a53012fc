/**
 * Single sign-on's two browser routes, served before SvelteKit like the API:
 *
 * - `GET /auth/oidc/start`: a redirect to the provider's authorization endpoint (code flow, PKCE
 *   S256, state, nonce). The state, nonce and code verifier travel in a short-lived cookie,
 *   signed with a key derived from the server secret, that only these routes receive.
 * - `GET /auth/oidc/callback`: the provider's answer checked and exchanged (sso/oidc-client.ts),
 *   then the account found or made where the database is (services/sso.ts, a task), and the
 *   browser sent to the app: signed in (the session cookie, as `auth.login` sets it, and
 *   `/#sso=signed-in`), on to the
 *   second step (`/#sso_pending=…`, in the fragment so that it reaches no server log), or with
 *   the reason it failed (`/?sso_error=<reason>`), which the sign-in screen shows. Never a 500.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SsoFailure } from '../../lib/domain/sso';
import type { Beckon } from '../app';
import { isUnavailable } from '../db-thread/messages';
import { log } from '../log';
import { SESSION_LIFETIME_MS } from '../services/auth';
import { OIDC_CALLBACK_PATH, OIDC_START_PATH } from '../services/sso-settings';
import { authorizationUrl, exchangeCode, SsoProviderError } from '../sso/oidc-client';
import { runTask } from '../tasks';
import { readCookie, sessionSetCookie } from './cookies';
import { clientAddressOf, type ProxySettings } from './proxy';

const FLOW_COOKIE = 'beckon_oidc';
/** Where a completed sign-in lands: the app, told by the fragment to pick up its session. */
export const SIGNED_IN_LOCATION = '/#sso=signed-in';
/** How long the provider's sign-in may take. */
const FLOW_LIFETIME_S = 600;

export function isOidcTarget(target: string): boolean {
	const path = target.split('?', 1)[0];
	return path === OIDC_START_PATH || path === OIDC_CALLBACK_PATH;
}

function flowCookie(app: Beckon, value: string, maxAge: number): string {
	const secure = app.config.publicUrl.startsWith('https:');
	return `${FLOW_COOKIE}=${value}; Path=/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
}

function redirect(res: ServerResponse, location: string, cookies: string[] = []) {
	res.statusCode = 302;
	res.setHeader('Location', location);
	res.setHeader('Cache-Control', 'no-store');
	if (cookies.length > 0) res.setHeader('Set-Cookie', cookies);
	res.end();
}

function fail(app: Beckon, res: ServerResponse, reason: SsoFailure, message: string) {
	log.warn({ reason, detail: message }, 'single sign-on failed');
	redirect(res, `/?sso_error=${reason}`, [flowCookie(app, '', 0)]);
}

export async function serveOidc(
	app: Beckon,
	req: IncomingMessage,
	res: ServerResponse,
	proxy: ProxySettings
): Promise<void> {
	const url = new URL(req.url ?? '/', 'http://oidc.invalid');
	if (req.method !== 'GET' && req.method !== 'HEAD') {
		res.statusCode = 405;
		res.setHeader('Allow', 'GET');
		res.end('Use GET');
		return;
	}
	try {
		const client = await runTask(app, 'sso.client');
		if (!client) return fail(app, res, 'disabled', 'Single sign-on is not enabled');
		if (url.pathname === OIDC_START_PATH) {
			const { url: target, checks } = await authorizationUrl(client);
			const sealed = await runTask(app, 'sso.sealFlow', checks, FLOW_LIFETIME_S * 1000);
			return redirect(res, target.href, [flowCookie(app, sealed, FLOW_LIFETIME_S)]);
		}
		const checks = await runTask(
			app,
			'sso.openFlow',
			readCookie(req.headers.cookie ?? null, FLOW_COOKIE)
		);
		if (!checks) {
			return fail(
				app,
				res,
				'state_mismatch',
				'No sign-in in progress on this browser, or it took too long'
			);
		}
		// The URL the provider sent the browser to, as the provider knows it (behind a proxy too).
		const callbackUrl = new URL(`${client.redirectUri}${url.search}`);
		const claims = await exchangeCode(client, callbackUrl, checks);
		const outcome = await runTask(app, 'sso.signIn', claims, {
			userAgent: req.headers['user-agent'] ?? null,
			address: clientAddressOf(proxy, req)
		});
		const clearFlow = flowCookie(app, '', 0);
		if (outcome.kind === 'failed') {
			// The log names the email's domain, not the person.
			const domain = claims.email?.split('@').at(-1) ?? 'no email';
			return fail(app, res, outcome.reason, `Sign-in refused (email at ${domain})`);
		}
		if (outcome.kind === 'pending') {
			const fragment = new URLSearchParams({
				sso_pending: outcome.pendingToken,
				sso_step: outcome.step,
				sso_methods: outcome.methods.join(','),
				sso_expires: new Date(outcome.expiresAt).toISOString()
			});
			return redirect(res, `/#${fragment}`, [clearFlow]);
		}
		const secure = app.config.publicUrl.startsWith('https:');
		const session = sessionSetCookie(
			secure,
			outcome.sessionToken,
			Math.floor(SESSION_LIFETIME_MS / 1000)
		);
		log.info({ userId: outcome.userId }, 'signed in with single sign-on');
		return redirect(res, SIGNED_IN_LOCATION, [clearFlow, session]);
	} catch (error) {
		if (error instanceof SsoProviderError) return fail(app, res, error.reason, error.message);
		if (isUnavailable(error)) {
			res.statusCode = 503;
			res.setHeader('Retry-After', '5');
			res.end('The database is unavailable; try again shortly');
			return;
		}
		log.error({ err: error }, 'single sign-on failed unexpectedly');
		return fail(app, res, 'provider_error', String(error));
	}
}
