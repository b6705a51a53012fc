/**
 * Single sign-on with OpenID Connect (issue 19): the whole code flow against a real provider
 * (oidc-provider, on 127.0.0.1) driven by hand as a browser would, just-in-time accounts,
 * refusals (unverified email, unknown email, domain not allowed, deactivated account, wrong
 * client secret, unreachable issuer) as reasons in the redirect and never a 500, a secret that no
 * answer carries, "SSO only" with its break-glass admin, and API tokens unaffected. Through the
 * real request listener; on PostgreSQL too with BECKON_TEST_DATABASE_URL.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totp } from '../../src/server/totp';
import { ApiClient, expectApiError } from '../support/client';
import { SoftAuthenticator } from '../support/webauthn';
import { makeUser, startTestServer, type TestServer } from '../support/server';
import {
	signInThroughProvider,
	startOidcProvider,
	type CookieJar,
	type TestProvider
} from '../support/oidc-provider';
import { prepareSql } from '../../src/server/db/plain-sql';

type User = Awaited<ReturnType<typeof makeUser>>;

let server: TestServer;
let provider: TestProvider;
let admin: ApiClient;
let adminUser: User;

beforeAll(async () => {
	server = await startTestServer({ ownPublicUrl: true });
	provider = await startOidcProvider({
		redirectUri: `${server.url}/auth/oidc/callback`,
		postLogoutRedirectUri: `${server.url}/`
	});
	adminUser = await makeUser(server.app, 'admin', 'edit');
	admin = new ApiClient(server.url);
	await admin.login(adminUser.email, adminUser.password);
});
afterAll(async () => {
	await provider?.close();
	await server?.close();
});

/** The settings of a working SSO, with `overrides`. */
async function configure(overrides: Record<string, unknown> = {}) {
	return admin.mutate('sso.update', {
		enabled: true,
		issuerUrl: provider.issuer,
		clientId: provider.clientId,
		clientSecret: provider.clientSecret,
		label: 'Acme ID',
		createUsers: false,
		allowedDomains: [],
		ssoOnly: false,
		...overrides
	});
}

/** An ApiClient carrying the session cookie a sign-in through the provider left in the jar. */
function clientOf(jar: CookieJar) {
	const api = new ApiClient(server.url);
	api.cookie =
		jar
			.header(new URL(server.url))
			.split('; ')
			.find((c) => c.startsWith('beckon_session=')) ?? null;
	return api;
}

const usersNamed = (email: string) =>
	prepareSql(server.app.sqlite, (param) => `SELECT * FROM users WHERE email = ${param()}`).all(
		email
	) as {
		id: string;
		role: string;
		permission: string;
		name: string;
	}[];

describe('sign-in through the provider', () => {
	it('signs an existing user in by verified email, case-insensitively, like a password sign-in', async () => {
		await configure();
		const user = await makeUser(server.app, 'agent', 'view');
		provider.addAccount({
			sub: 'existing-1',
			email: user.email.toUpperCase(),
			emailVerified: true
		});
		const { location, jar, visited } = await signInThroughProvider(server.url, 'existing-1');
		expect(location).toBe('/#sso=signed-in');
		// The provider was asked for a code with PKCE (S256), a state and a nonce.
		const authorize = new URL(visited[1]);
		expect(authorize.origin).toBe(provider.issuer);
		expect(authorize.searchParams.get('response_type')).toBe('code');
		expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
		expect(authorize.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
		expect(authorize.searchParams.get('state')).toBeTruthy();
		expect(authorize.searchParams.get('nonce')).toBeTruthy();
		expect(authorize.searchParams.get('scope')).toBe('openid email profile');
		const api = clientOf(jar);
		const { user: me } = await api.query('auth.me');
		expect(me).toMatchObject({ id: user.id, email: user.email, permission: 'view' });
		// A session like any other: listed among the user's devices.
		expect((await api.query('auth.sessions')).sessions).toHaveLength(1);
	});

	it('creates an unknown user just in time, with the default role and permission', async () => {
		await configure({ createUsers: true, defaultRole: 'agent', defaultPermission: 'view' });
		provider.addAccount({
			sub: 'newcomer',
			email: 'Newcomer@Acme.example',
			emailVerified: true,
			name: 'New Comer'
		});
		expect(usersNamed('newcomer@acme.example')).toHaveLength(0);
		const { location, jar } = await signInThroughProvider(server.url, 'newcomer');
		expect(location).toBe('/#sso=signed-in');
		const [row] = usersNamed('newcomer@acme.example');
		expect(row).toMatchObject({ name: 'New Comer', role: 'agent', permission: 'view' });
		expect((await clientOf(jar).query('auth.me')).user.id).toBe(row.id);
		const events = prepareSql(
			server.app.sqlite,
			(param) => `SELECT type FROM account_events WHERE user_id = ${param()}`
		).all(row.id) as { type: string }[];
		expect(events.map((e) => e.type)).toEqual(['sso_user_created']);
		// The account has no password: none signs it in.
		await expectApiError(
			new ApiClient(server.url).login('newcomer@acme.example', 'sso:anything'),
			'UNAUTHORIZED',
			'unauthenticated'
		);
		// A second sign-in finds the same account.
		await signInThroughProvider(server.url, 'newcomer');
		expect(usersNamed('newcomer@acme.example')).toHaveLength(1);
	});

	it('refuses an email the provider does not vouch for, and makes no account', async () => {
		await configure({ createUsers: true });
		provider.addAccount({
			sub: 'unverified',
			email: 'unverified@acme.example',
			emailVerified: false
		});
		const { location, jar } = await signInThroughProvider(server.url, 'unverified');
		expect(location).toBe('/?sso_error=email_unverified');
		expect(jar.header(new URL(server.url))).not.toContain('beckon_session=');
		expect(usersNamed('unverified@acme.example')).toHaveLength(0);
	});

	it('refuses an unknown email when just-in-time creation is off', async () => {
		await configure({ createUsers: false });
		provider.addAccount({ sub: 'stranger', email: 'stranger@acme.example', emailVerified: true });
		const { location } = await signInThroughProvider(server.url, 'stranger');
		expect(location).toBe('/?sso_error=unknown_user');
		expect(usersNamed('stranger@acme.example')).toHaveLength(0);
	});

	it('refuses an email outside the allowed domains', async () => {
		await configure({ createUsers: true, allowedDomains: ['beckon.example'] });
		provider.addAccount({
			sub: 'outsider',
			email: 'outsider@elsewhere.example',
			emailVerified: true
		});
		const { location } = await signInThroughProvider(server.url, 'outsider');
		expect(location).toBe('/?sso_error=email_not_allowed');
		expect(usersNamed('outsider@elsewhere.example')).toHaveLength(0);
	});

	it('refuses a deactivated account', async () => {
		await configure();
		const user = await makeUser(server.app, 'agent', 'edit');
		await admin.mutate('users.update', { id: user.id, active: false });
		provider.addAccount({ sub: 'gone', email: user.email, emailVerified: true });
		const { location } = await signInThroughProvider(server.url, 'gone');
		expect(location).toBe('/?sso_error=account_disabled');
	});

	it('asks an account with a second factor for its code, as a password sign-in does', async () => {
		await configure();
		const user = await makeUser(server.app, 'agent', 'edit');
		const api = new ApiClient(server.url);
		await api.login(user.email, user.password);
		const { secret } = await api.mutate('auth.beginTwoFactor', {});
		await api.mutate('auth.confirmTwoFactor', { code: totp(base32Decode(secret), Date.now()) });
		provider.addAccount({ sub: 'two-step', email: user.email, emailVerified: true });
		const { location, jar } = await signInThroughProvider(server.url, 'two-step');
		expect(jar.header(new URL(server.url))).not.toContain('beckon_session=');
		// The pending sign-in rides in the fragment, which reaches no server.
		const fragment = new URLSearchParams(new URL(location, server.url).hash.slice(1));
		expect(fragment.get('sso_step')).toBe('code');
		const device = new ApiClient(server.url);
		const { user: signedIn } = await device.mutate('auth.verifySecondFactor', {
			pendingToken: fragment.get('sso_pending'),
			code: totp(base32Decode(secret), Date.now() + 30_000)
		});
		expect(signedIn.id).toBe(user.id);
	});

	it('refuses a callback without the sign-in started on this browser (state)', async () => {
		await configure();
		const response = await fetch(`${server.url}/auth/oidc/callback?code=stolen&state=forged`, {
			redirect: 'manual'
		});
		expect(response.status).toBe(302);
		expect(response.headers.get('location')).toBe('/?sso_error=state_mismatch');
	});

	it('sends the browser back with a reason when the provider refuses the client secret', async () => {
		await configure({ clientSecret: 'not-the-secret' });
		provider.addAccount({ sub: 'wrong-secret', email: 'ws@acme.example', emailVerified: true });
		const { location } = await signInThroughProvider(server.url, 'wrong-secret');
		expect(location).toBe('/?sso_error=client_rejected');
	});

	it('sends the browser back with a reason when the issuer cannot be reached', async () => {
		const closed = await closedPort();
		await configure({ issuerUrl: `http://127.0.0.1:${closed}` });
		const response = await fetch(`${server.url}/auth/oidc/start`, { redirect: 'manual' });
		expect(response.status).toBe(302);
		expect(response.headers.get('location')).toBe('/?sso_error=issuer_unreachable');
	});

	it('sends the browser back with a reason when SSO is off', async () => {
		await configure({ enabled: false });
		const response = await fetch(`${server.url}/auth/oidc/start`, { redirect: 'manual' });
		expect(response.headers.get('location')).toBe('/?sso_error=disabled');
		expect(await new ApiClient(server.url).query('auth.ssoInfo')).toEqual({
			enabled: false,
			label: '',
			ssoOnly: false
		});
	});
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
	const probe = createServer();
	await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
	const { port } = probe.address() as AddressInfo;
	await new Promise<void>((resolve) => probe.close(() => resolve()));
	return port;
}

describe('the admin settings', () => {
	it('never returns the client secret: hasSecret instead', async () => {
		const saved = await configure();
		const read = await admin.query('sso.get');
		for (const answer of [saved, read]) {
			expect(answer).toMatchObject({
				enabled: true,
				issuerUrl: provider.issuer,
				clientId: provider.clientId,
				hasSecret: true,
				redirectUri: `${server.url}/auth/oidc/callback`
			});
			expect(JSON.stringify(answer)).not.toContain(provider.clientSecret);
			expect(answer).not.toHaveProperty('clientSecret');
		}
		// Stored encrypted, not in clear.
		const row = server.app.sqlite.prepare("SELECT value FROM settings WHERE key = 'sso'").get() as {
			value: string;
		};
		expect(row.value).not.toContain(provider.clientSecret);
		// An update without the secret keeps it.
		expect(await admin.mutate('sso.update', { label: 'Acme' })).toMatchObject({ hasSecret: true });
		// The change is in the admin's audit log, naming fields, never the secret.
		const events = prepareSql(
			server.app.sqlite,
			(param) =>
				`SELECT data FROM account_events WHERE user_id = ${param()} AND type = 'sso_settings_changed'`
		).all(adminUser.id) as { data: string }[];
		expect(events.length).toBeGreaterThan(0);
		expect(JSON.parse(events.at(-1)!.data)).toEqual({ changed: ['label'] });
		for (const event of events) expect(event.data).not.toContain(provider.clientSecret);
	});

	it('is for admins only, and the sign-in screen learns only whether and how', async () => {
		await configure();
		const agent = await makeUser(server.app, 'agent', 'edit');
		const api = new ApiClient(server.url);
		await api.login(agent.email, agent.password);
		await expectApiError(api.query('sso.get'), 'FORBIDDEN', 'forbidden');
		await expectApiError(api.mutate('sso.update', { enabled: false }), 'FORBIDDEN', 'forbidden');
		const info = await new ApiClient(server.url).query('auth.ssoInfo');
		expect(info).toEqual({ enabled: true, label: 'Acme ID', ssoOnly: false });
	});

	it('refuses to enable SSO without its settings, and an http issuer not on this machine', async () => {
		await admin.mutate('sso.update', { enabled: false, clientSecret: null });
		const missing = await expectApiError(
			admin.mutate('sso.update', { enabled: true }),
			'BAD_REQUEST',
			'invalid'
		);
		expect(missing.body.data.field).toBe('clientSecret');
		const http = await expectApiError(
			admin.mutate('sso.update', { issuerUrl: 'http://id.example.com' }),
			'BAD_REQUEST',
			'invalid'
		);
		expect(http.body.data.field).toBe('issuerUrl');
	});

	it('tests the provider: reachable and client accepted, wrong secret, unreachable issuer', async () => {
		await configure();
		expect(await admin.mutate('sso.test', {})).toMatchObject({
			ok: true,
			reason: null,
			issuer: provider.issuer,
			endSession: true
		});
		const wrong = await admin.mutate('sso.test', { clientSecret: 'not-the-secret' });
		expect(wrong).toMatchObject({ ok: false, reason: 'client_rejected' });
		expect(wrong.message).toContain('client id and secret');
		const port = await closedPort();
		const down = await admin.mutate('sso.test', { issuerUrl: `http://127.0.0.1:${port}` });
		expect(down).toMatchObject({ ok: false, reason: 'issuer_unreachable' });
		expect(down.message).toContain(`http://127.0.0.1:${port}`);
		// A test saves nothing.
		expect((await admin.query('sso.get')).issuerUrl).toBe(provider.issuer);
		// Without a secret, given or stored, there is nothing to test.
		await admin.mutate('sso.update', { enabled: false, clientSecret: null });
		const noSecret = await expectApiError(admin.mutate('sso.test', {}), 'BAD_REQUEST', 'invalid');
		expect(noSecret.body.data.field).toBe('clientSecret');
	});

	it("offers the provider's end-session URL after signing out", async () => {
		await configure();
		const { url } = await new ApiClient(server.url).query('auth.ssoEndSession');
		const end = new URL(url);
		expect(end.origin).toBe(provider.issuer);
		expect(end.searchParams.get('client_id')).toBe(provider.clientId);
		expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`${server.url}/`);
		await configure({ enabled: false });
		expect(await new ApiClient(server.url).query('auth.ssoEndSession')).toEqual({ url: null });
	});
});

describe('SSO only', () => {
	it('refuses passwords and passkeys except the break-glass admin’s; API tokens keep working', async () => {
		const agent = await makeUser(server.app, 'agent', 'edit');
		const { token } = await admin.mutate('tokens.create', { name: 'integration' });
		// Before SSO only: the agent adds a passkey.
		const page = { origin: server.url };
		const addPasskey = async (api: ApiClient) => {
			const key = new SoftAuthenticator();
			const options = await api.mutate('passkeys.registrationOptions', {});
			const { passkey } = await api.mutate('passkeys.register', {
				name: 'Laptop',
				response: key.create(options, page)
			});
			return { key, id: passkey.id as string };
		};
		const agentApi = new ApiClient(server.url);
		await agentApi.login(agent.email, agent.password);
		const { key: agentKey } = await addPasskey(agentApi);
		const withPasskey = async (key: SoftAuthenticator) => {
			const device = new ApiClient(server.url);
			const options = await device.mutate('auth.passkeyOptions', {});
			const { user } = await device.mutate('auth.passkeySignIn', {
				response: key.get(options, page)
			});
			return user.id as string;
		};
		await expectApiError(
			configure({ ssoOnly: true, breakGlassEmail: agent.email }),
			'BAD_REQUEST',
			'invalid'
		);
		await configure({ ssoOnly: true, breakGlassEmail: adminUser.email });
		expect(await new ApiClient(server.url).query('auth.ssoInfo')).toMatchObject({ ssoOnly: true });
		const refused = await expectApiError(
			new ApiClient(server.url).login(agent.email, agent.password),
			'FORBIDDEN',
			'forbidden'
		);
		expect(refused.body.data.detail).toBe('sso_only');
		expect(refused.message).toContain('Acme ID');
		// A passkey alone is refused the same way: the provider is the one way in.
		const refusedKey = await expectApiError(withPasskey(agentKey), 'FORBIDDEN', 'forbidden');
		expect(refusedKey.body.data.detail).toBe('sso_only');
		// The break-glass admin still signs in with a password.
		const breakGlass = new ApiClient(server.url);
		await breakGlass.login(adminUser.email, adminUser.password);
		expect((await breakGlass.query('auth.me')).user.id).toBe(adminUser.id);
		// And with a passkey alone (removed after: a passkey is a second factor too).
		const adminKey = await addPasskey(admin);
		expect(await withPasskey(adminKey.key)).toBe(adminUser.id);
		await admin.mutate('passkeys.remove', { id: adminKey.id });
		// An API token is unaffected.
		const bot = new ApiClient(server.url);
		bot.bearer = token;
		expect((await bot.query('settings.get')).organizationName).toBeTruthy();
		// The agent signs in through the provider.
		provider.addAccount({ sub: 'sso-only-agent', email: agent.email, emailVerified: true });
		const { location } = await signInThroughProvider(server.url, 'sso-only-agent');
		// On to the second step, which the agent's passkey answers (a passkey after the provider).
		const fragment = new URLSearchParams(location.slice('/#'.length));
		expect(fragment.get('sso_step')).toBe('code');
		expect(fragment.get('sso_methods')).toBe('passkey');
		const second = new ApiClient(server.url);
		const pendingToken = fragment.get('sso_pending') as string;
		const options = await second.mutate('auth.passkeySecondFactorOptions', { pendingToken });
		const { user } = await second.mutate('auth.verifySecondFactor', {
			pendingToken,
			passkey: agentKey.get(options, page)
		});
		expect(user.id).toBe(agent.id);
		await configure({ ssoOnly: false });
		await new ApiClient(server.url).login(agent.email, agent.password);
		expect(await withPasskey(agentKey)).toBe(agent.id);
	});
});
