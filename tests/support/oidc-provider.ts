/**
 * A real OpenID provider for the tests (the `oidc-provider` package, with its development login
 * and consent pages), on 127.0.0.1 at a random port: one confidential client, and accounts the
 * test writes, each with the `email_verified` it wants the provider to vouch for.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
// @ts-expect-error oidc-provider ships no types (its @types package would add Koa's).
import Provider from 'oidc-provider';

export interface ProviderAccount {
	sub: string;
	email: string;
	emailVerified: boolean;
	name?: string;
}

export interface TestProvider {
	issuer: string;
	clientId: string;
	clientSecret: string;
	accounts: Map<string, ProviderAccount>;
	/** Adds an account; its `sub` is what is typed into the provider's login page. */
	addAccount(account: ProviderAccount): ProviderAccount;
	close(): Promise<void>;
}

export async function startOidcProvider(options: {
	redirectUri: string;
	postLogoutRedirectUri?: string;
}): Promise<TestProvider> {
	const accounts = new Map<string, ProviderAccount>();
	const server: Server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	const clientId = 'beckon';
	const clientSecret = 'beckon-test-secret-0123456789';
	const provider = new Provider(issuer, {
		clients: [
			{
				client_id: clientId,
				client_secret: clientSecret,
				redirect_uris: [options.redirectUri],
				post_logout_redirect_uris: options.postLogoutRedirectUri
					? [options.postLogoutRedirectUri]
					: [],
				grant_types: ['authorization_code'],
				response_types: ['code'],
				token_endpoint_auth_method: 'client_secret_basic'
			}
		],
		claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
		cookies: { keys: ['beckon-test-provider-cookie-key'] },
		ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
		features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
		async findAccount(_ctx: unknown, sub: string) {
			const account = accounts.get(sub);
			if (!account) return undefined;
			return {
				accountId: sub,
				async claims() {
					return {
						sub,
						email: account.email,
						email_verified: account.emailVerified,
						name: account.name ?? sub
					};
				}
			};
		}
	});
	server.on('request', provider.callback());
	return {
		issuer,
		clientId,
		clientSecret,
		accounts,
		addAccount(account) {
			accounts.set(account.sub, account);
			return account;
		},
		async close() {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};
}

/** A cookie jar of one browser: cookies by host (paths ignored, which a test flow can afford). */
export class CookieJar {
	readonly byHost = new Map<string, Map<string, string>>();

	header(url: URL): string {
		const jar = this.byHost.get(url.host);
		return jar ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : '';
	}

	take(url: URL, response: Response) {
		let jar = this.byHost.get(url.host);
		if (!jar) this.byHost.set(url.host, (jar = new Map()));
		for (const cookie of response.headers.getSetCookie()) {
			const [pair, ...attributes] = cookie.split(';');
			const at = pair.indexOf('=');
			const name = pair.slice(0, at).trim();
			const value = pair.slice(at + 1).trim();
			const gone = attributes.some(
				(a) => /^\s*max-age=0\s*$/i.test(a) || /expires=thu, 01 jan 1970/i.test(a)
			);
			if (!value || gone) jar.delete(name);
			else jar.set(name, value);
		}
	}
}

/**
 * A browser's sign-in through the provider, driven by hand: from Beckon's start route, through
 * the provider's login (as `login`) and consent pages, to Beckon's callback. Answers Beckon's last
 * redirect: where it sends the browser, and the jar (with Beckon's session cookie, if any).
 */
export async function signInThroughProvider(
	beckonUrl: string,
	login: string,
	jar = new CookieJar()
): Promise<{ location: string; jar: CookieJar; visited: string[] }> {
	let url = new URL('/auth/oidc/start', beckonUrl);
	let method = 'GET';
	let body: URLSearchParams | undefined;
	const visited: string[] = [];
	for (let step = 0; step < 20; step++) {
		visited.push(url.href);
		const response = await fetch(url, {
			method,
			redirect: 'manual',
			headers: {
				cookie: jar.header(url),
				...(body && { 'content-type': 'application/x-www-form-urlencoded' })
			},
			body
		});
		jar.take(url, response);
		const location = response.headers.get('location');
		if (response.status >= 300 && response.status < 400 && location) {
			const next = new URL(location, url);
			// Back in Beckon after its callback: its last redirect is the outcome.
			if (url.origin === new URL(beckonUrl).origin && url.pathname === '/auth/oidc/callback') {
				return { location, jar, visited };
			}
			if (
				url.origin === new URL(beckonUrl).origin &&
				url.pathname === '/auth/oidc/start' &&
				next.origin === url.origin
			) {
				return { location, jar, visited };
			}
			url = next;
			method = 'GET';
			body = undefined;
			continue;
		}
		const html = await response.text();
		const form = html.match(/<form[^>]*action="([^"]+)"[^>]*method="post"[\s\S]*?<\/form>/i);
		if (!form)
			throw new Error(`No form at ${url.href} (${response.status}): ${html.slice(0, 300)}`);
		const fields = new URLSearchParams();
		for (const input of form[0].matchAll(/<input[^>]*name="([^"]+)"[^>]*>/gi)) {
			const name = input[1];
			const value = input[0].match(/value="([^"]*)"/)?.[1] ?? '';
			fields.set(name, name === 'login' ? login : name === 'password' ? 'any password' : value);
		}
		url = new URL(form[1].replace(/&amp;/g, '&'), url);
		method = 'POST';
		body = fields;
	}
	throw new Error(`The sign-in did not come back to Beckon: ${visited.join(' → ')}`);
}
