/**
 * The low findings of the security review (issue 17) that the HTTP front and the jobs answer:
 * the `__Host-` session cookie and HSTS over https, `Cache-Control: no-store` on API answers,
 * a readiness answer without the database's error text, and the pruning of expired sessions and
 * old refusals. Through the real request listener (tests/support/server.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readiness } from '../../src/server/health';
import { pruneExpired, REFUSALS_KEPT_MS, start as startPruning } from '../../src/server/jobs/prune';
import { createTestBeckon } from '../support/database';
import { ApiClient, expectApiError } from '../support/client';
import { makeUser, startTestServer, type TestServer } from '../support/server';
import { prepareSql } from '../../src/server/db/plain-sql';

const login = (server: TestServer, user: { email: string; password: string }) =>
	fetch(`${server.url}/api/trpc/auth.login`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ email: user.email, password: user.password })
	});

describe('served over https', () => {
	let server: TestServer;
	beforeAll(async () => {
		server = await startTestServer({ env: { BECKON_PUBLIC_URL: 'https://beckon.example.com' } });
	});
	afterAll(() => server.close());

	it('names the session cookie __Host-, Secure with Path=/ and no Domain, and honours only that name', async () => {
		const user = await makeUser(server.app, 'agent', 'edit');
		const response = await login(server, user);
		expect(response.status).toBe(200);
		const [cookie] = response.headers.getSetCookie();
		expect(cookie).toMatch(/^__Host-beckon_session=[^;]{40,};/);
		expect(cookie).toMatch(/; Path=\/(;|$)/);
		expect(cookie).toMatch(/; Secure/);
		expect(cookie).not.toMatch(/Domain=/i);
		const value = cookie.split(';')[0].split('=')[1];
		const me = (name: string) =>
			fetch(`${server.url}/api/trpc/auth.me`, { headers: { cookie: `${name}=${value}` } });
		const signedIn = await me('__Host-beckon_session');
		expect(signedIn.status).toBe(200);
		expect((await signedIn.json()).result.data.user.email).toBe(user.email);
		// A cookie without the prefix could have been set by a subdomain or over http: ignored.
		expect((await me('beckon_session')).status).toBe(401);
	});

	it('sends HSTS and Cache-Control: no-store on API answers', async () => {
		const response = await fetch(`${server.url}/api/trpc/auth.me`);
		expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000');
		expect(response.headers.get('cache-control')).toBe('no-store');
	});
});

describe('served over plain http', () => {
	let server: TestServer;
	beforeAll(async () => {
		server = await startTestServer();
	});
	afterAll(() => server.close());

	it('keeps the plain cookie name, sends no HSTS, and still no-store on the API', async () => {
		const user = await makeUser(server.app, 'agent', 'edit');
		const response = await login(server, user);
		const [cookie] = response.headers.getSetCookie();
		expect(cookie).toMatch(/^beckon_session=[^;]{40,};/);
		expect(cookie).not.toMatch(/; Secure/);
		expect(response.headers.get('strict-transport-security')).toBeNull();
		expect(response.headers.get('cache-control')).toBe('no-store');
		const client = new ApiClient(server.url);
		await client.login(user.email, user.password);
		expect((await client.query('auth.me')).user.email).toBe(user.email);
	});
});

describe('readiness', () => {
	it('says the database is unavailable without the driver’s message', () => {
		const dataDir = mkdtempSync(join(tmpdir(), 'beckon-ready-'));
		const app = createTestBeckon(dataDir, Date.now);
		try {
			expect(readiness(app)).toEqual({
				ready: true,
				checks: { database: 'ok', migrations: 'ok' }
			});
			const real = app.sqlite.prepare.bind(app.sqlite);
			// A database that fails with a message naming a file and a user, as drivers do.
			app.sqlite.prepare = (() => {
				throw new Error('connect ECONNREFUSED /var/lib/secret-host:5432 for user "beckon_prod"');
			}) as typeof app.sqlite.prepare;
			const answer = readiness(app);
			expect(answer).toEqual({
				ready: false,
				checks: { database: 'unavailable', migrations: 'unknown' }
			});
			expect(JSON.stringify(answer)).not.toMatch(/secret-host|beckon_prod|ECONNREFUSED/);
			app.sqlite.prepare = real;
		} finally {
			app.close();
			rmSync(dataDir, { recursive: true, force: true });
		}
	});
});

describe('pruning', () => {
	let now = Date.parse('2030-01-01T00:00:00Z');
	let server: TestServer;
	beforeAll(async () => {
		server = await startTestServer({ clock: () => now });
	});
	afterAll(() => server.close());

	const count = (table: string) =>
		(server.app.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

	it('deletes expired sessions and refusals older than 30 days, and nothing else', async () => {
		const user = await makeUser(server.app, 'agent', 'edit');
		const old = new ApiClient(server.url);
		await old.login(user.email, user.password);
		// A refused mutation recorded now.
		const clientIds = [crypto.randomUUID(), crypto.randomUUID()];
		const push = (client: ApiClient, n: number) =>
			client.mutate('sync.push', {
				protocolVersion: 1,
				clientId: clientIds[n - 1],
				mutations: [{ id: 1, name: 'closeRequest', args: { id: crypto.randomUUID() } }]
			});
		const refused = await push(old, 1);
		expect(refused.results[0].ok).toBe(false);
		expect(count('sync_mutations')).toBe(1);

		now += 30 * 86_400_000 - 1; // the first session has a day left, the refusal a millisecond
		const fresh = new ApiClient(server.url);
		await fresh.login(user.email, user.password);
		await push(fresh, 2);
		expect(pruneExpired(server.app)).toEqual({
			sessions: 0,
			refusals: 0,
			sessionKeys: 0,
			failedPushes: 0
		});

		now += 86_400_000; // 30 days and a bit: the first session and the first refusal are due
		expect(pruneExpired(server.app)).toEqual({
			sessions: 1,
			refusals: 1,
			sessionKeys: 0,
			failedPushes: 0
		});
		expect(count('sessions')).toBe(1);
		expect(count('sync_mutations')).toBe(1);
		expect(server.app.sqlite.prepare('SELECT client_id AS c FROM sync_mutations').get()).toEqual({
			c: clientIds[1]
		});
		expect(REFUSALS_KEPT_MS).toBe(30 * 86_400_000);
		// The newer session still signs in.
		expect((await fresh.query('auth.me')).user.email).toBe(user.email);
		// The job prunes as it starts (and hourly after): the fresh session is due 30 days on.
		now += 30 * 86_400_000;
		const stop = startPruning(server.app);
		stop();
		expect(count('sessions')).toBe(0);
		await expectApiError(fresh.query('auth.me'), 'UNAUTHORIZED');
	});
});

describe('a new recipient email', () => {
	let server: TestServer;
	let agent: ApiClient;
	const tokenOf = (link: string) => new URL(link).pathname.split('/').at(-1) as string;
	beforeAll(async () => {
		server = await startTestServer();
		const user = await makeUser(server.app, 'agent', 'edit');
		agent = new ApiClient(server.url);
		await agent.login(user.email, user.password);
	});
	afterAll(() => server.close());

	it('issues a new link and the old one dies; the new recipient is invited with the new link', async () => {
		const created = await agent.mutate('requests.create', {
			recipientName: 'Ada',
			recipientEmail: 'ada@example.com',
			sendEmail: true
		});
		const oldToken = tokenOf(created.link);
		const anonymous = new ApiClient(server.url);
		await anonymous.mutate('link.open', { token: oldToken });

		// Other fields keep the link.
		const same = await agent.mutate('requests.update', { id: created.id, comments: 'Printer' });
		expect(same.link).toBe(created.link);

		const updated = await agent.mutate('requests.update', {
			id: created.id,
			recipientEmail: 'grace@example.com'
		});
		expect(updated.link).toBeTruthy();
		expect(updated.link).not.toBe(created.link);
		await expectApiError(anonymous.query('link.get', { token: oldToken }), 'NOT_FOUND');
		await expectApiError(anonymous.mutate('link.decline', { token: oldToken }), 'NOT_FOUND');
		expect((await anonymous.query('link.get', { token: tokenOf(updated.link) })).status).toBe(
			'waiting'
		);
		const detail = await agent.query('requests.get', { id: created.id });
		expect(detail.events.at(-1)).toMatchObject({
			type: 'updated',
			data: { fields: ['recipientEmail'], newLink: true }
		});
		const invitations = prepareSql(
			server.app.sqlite,
			(param) =>
				`SELECT recipient AS "to", text FROM mail_outbox WHERE request_id = ${param()} AND kind = 'invitation' ORDER BY created_at`
		).all(created.id) as { to: string; text: string }[];
		expect(invitations.map((m) => m.to).sort()).toEqual(['ada@example.com', 'grace@example.com']);
		const toGrace = invitations.find((m) => m.to === 'grace@example.com')!;
		expect(toGrace.text).toContain(tokenOf(updated.link));
		expect(toGrace.text).not.toContain(oldToken);
	});
});

describe('who receives the session link', () => {
	let server: TestServer;
	const clients = {} as Record<'editor' | 'viewer' | 'admin', ApiClient>;
	beforeAll(async () => {
		server = await startTestServer();
		for (const [name, role, permission] of [
			['editor', 'agent', 'edit'],
			['viewer', 'agent', 'view'],
			['admin', 'admin', 'edit']
		] as const) {
			const user = await makeUser(server.app, role, permission);
			clients[name] = new ApiClient(server.url);
			await clients[name].login(user.email, user.password);
		}
	});
	afterAll(() => server.close());

	it('goes to those who may act on the request, never to view-only agents, in any answer or pull', async () => {
		const created = await clients.editor.mutate('requests.create', {
			recipientName: 'Shared',
			assignment: { kind: 'unassigned' }
		});
		expect(created.link).toMatch(/\/s\//);
		for (const name of ['editor', 'admin', 'viewer'] as const) {
			const client = clients[name];
			const expected = name === 'viewer' ? null : created.link;
			const got = await client.query('requests.get', { id: created.id });
			expect(got.recipientName, name).toBe('Shared');
			expect(got.link, `${name}: requests.get`).toBe(expected);
			const listed = (await client.query('requests.list', {})).items.find(
				(r: { id: string }) => r.id === created.id
			);
			expect(listed.link, `${name}: requests.list`).toBe(expected);
			const pulled = await client.query('sync.pull', { clientId: crypto.randomUUID() });
			const row = pulled.changes.find((r: { id: string }) => r.id === created.id);
			expect(row.link, `${name}: sync.pull`).toBe(expected);
		}
	});
});

describe('a live session belongs to the page that allowed it', () => {
	let server: TestServer;
	let agent: ApiClient;
	beforeAll(async () => {
		server = await startTestServer();
		const user = await makeUser(server.app, 'agent', 'edit');
		agent = new ApiClient(server.url);
		await agent.login(user.email, user.password);
	});
	afterAll(() => server.close());

	it('refuses another holder of the link in the session, and records who acted', async () => {
		const created = await agent.mutate('requests.create', { recipientName: 'Bound' });
		const token = new URL(created.link).pathname.split('/').at(-1)!;
		const page = new ApiClient(server.url);
		page.sessionKeys = new Map();
		page.extraHeaders = { 'user-agent': 'EndUserBrowser/1.0' };
		const other = new ApiClient(server.url);
		other.sessionKeys = new Map();
		await page.mutate('link.open', { token });
		await agent.mutate('requests.requestConnect', { id: created.id });
		const allowed = await page.mutate('link.respond', { token, decision: 'allow' });
		expect(allowed.status).toBe('ready');
		expect(allowed.sessionKey).toMatch(/^[\w-]{43}$/);
		expect(page.sessionKeys.get(token)).toBe(allowed.sessionKey);

		const hello = { type: 'hello', peer: 'intruder' };
		// The other holder can neither signal, nor join, nor answer for the end user.
		await expectApiError(other.mutate('link.signal', { token, message: hello }), 'FORBIDDEN');
		await expectApiError(other.query('link.session', { token }), 'FORBIDDEN');
		await expectApiError(
			other.mutate('link.signal', { token, message: hello, sessionKey: 'x'.repeat(43) }),
			'FORBIDDEN'
		);
		await expectApiError(other.mutate('link.respond', { token, decision: 'deny' }), 'FORBIDDEN');
		await expectApiError(other.mutate('link.decline', { token }), 'FORBIDDEN');
		await agent.mutate('requests.start', { id: created.id });
		await expectApiError(other.mutate('link.end', { token }), 'FORBIDDEN');
		expect((await agent.query('requests.get', { id: created.id })).status).toBe('connected');
		// Reading the page's view stays open to the link, as before.
		expect((await other.query('link.get', { token })).status).toBe('connected');

		// The page itself does all of it.
		await page.mutate('link.signal', { token, message: { type: 'hello', peer: 'end-user' } });
		expect((await page.query('link.session', { token })).iceServers).toEqual([]);
		const keyRows = () =>
			server.app.sqlite
				.prepare("SELECT count(*) AS n FROM server_keys WHERE name LIKE 'session-key:%'")
				.get() as { n: number };
		expect(Number(keyRows().n)).toBe(1);
		const ended = await page.mutate('link.end', { token });
		expect(ended.status).toBe('closed');
		// The pruner drops the key of the session that is over.
		expect(pruneExpired(server.app).sessionKeys).toBe(1);
		expect(Number(keyRows().n)).toBe(0);

		const events = (await agent.query('requests.get', { id: created.id })).events as {
			type: string;
			actor: string;
			data: { client?: { address: string; userAgent: string | null } };
		}[];
		const byEndUser = events.filter((e) => e.actor === 'end_user');
		expect(byEndUser.map((e) => e.type)).toEqual([
			'link_opened',
			'access_allowed',
			'session_ended'
		]);
		for (const event of byEndUser) {
			expect(event.data.client).toEqual({ address: '127.0.0.1', userAgent: 'EndUserBrowser/1.0' });
		}
	});
});
