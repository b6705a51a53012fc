/**
 * Several built servers (`beckon serve`, as an operator runs them) on one PostgreSQL database,
 * as behind a load balancer: what one instance commits reaches agents and end users connected to
 * another, and jobs that every instance runs handle each item once.
 *
 * Runs when a PostgreSQL is available (BECKON_TEST_DATABASE_URL, set by `npm test` when it
 * finds or starts one); skipped otherwise.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncPostgres } from '../../src/server/db/postgres';
import { ApiClient } from '../support/client';
import { freshSchema, schemaUrl, TEST_DATABASE_URL } from '../support/database';
import { openStream } from '../support/sse';
import { signInThroughProvider, startOidcProvider } from '../support/oidc-provider';
import {
	BUILT_ADMIN,
	startBuiltServer,
	startWithAdmin,
	type BuiltServer
} from '../reliability/support/built-server';

const tokenOf = (link: string) => new URL(link).pathname.split('/').at(-1) as string;

describe.skipIf(!TEST_DATABASE_URL)('several instances on one PostgreSQL', () => {
	let url: string;
	let db: SyncPostgres;
	const servers: BuiltServer[] = [];
	const dirs: string[] = [];
	let one: BuiltServer;
	let two: BuiltServer;
	let onOne: ApiClient;
	let onTwo: ApiClient;

	/** A built server on the shared database (its data folder holds nothing then). */
	async function instance(env: Record<string, string> = {}) {
		const dataDir = mkdtempSync(join(tmpdir(), 'beckon-instance-'));
		dirs.push(dataDir);
		const server = await startBuiltServer({ dataDir, env: { DATABASE_URL: url, ...env } });
		servers.push(server);
		return server;
	}

	beforeAll(async () => {
		url = schemaUrl(freshSchema());
		db = new SyncPostgres({ connectionString: url });
		const dataDir = mkdtempSync(join(tmpdir(), 'beckon-instance-'));
		dirs.push(dataDir);
		({ server: one, admin: onOne } = await startWithAdmin({
			dataDir,
			env: { DATABASE_URL: url }
		}));
		servers.push(one);
		two = await instance();
		onTwo = new ApiClient(two.url);
		await onTwo.login(BUILT_ADMIN.email, BUILT_ADMIN.password);
	}, 60_000);

	afterAll(async () => {
		for (const server of servers) await server.stop();
		db?.close();
		for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
	});

	it('share one database: a session made on one instance is valid on the other', async () => {
		const signedInOnOne = new ApiClient(two.url);
		signedInOnOne.cookie = onOne.cookie;
		expect((await signedInOnOne.query('auth.me')).user.email).toBe(BUILT_ADMIN.email);
	});

	it('signs in through an OpenID provider where the services run on the database thread', async () => {
		const provider = await startOidcProvider({ redirectUri: `${one.url}/auth/oidc/callback` });
		try {
			await onOne.mutate('sso.update', {
				enabled: true,
				issuerUrl: provider.issuer,
				clientId: provider.clientId,
				clientSecret: provider.clientSecret,
				createUsers: true
			});
			provider.addAccount({ sub: 'pg-sso', email: 'pg-sso@acme.example', emailVerified: true });
			const { location, jar } = await signInThroughProvider(one.url, 'pg-sso');
			expect(location).toBe('/#sso=signed-in');
			// The session it made is valid on the other instance too.
			const elsewhere = new ApiClient(two.url);
			elsewhere.cookie =
				jar
					.header(new URL(one.url))
					.split('; ')
					.find((c) => c.startsWith('beckon_session=')) ?? null;
			expect((await elsewhere.query('auth.me')).user.email).toBe('pg-sso@acme.example');
		} finally {
			await onOne.mutate('sso.update', { enabled: false });
			await provider.close();
		}
	});

	it('counts failed sign-ins on every instance together', async () => {
		// An account gets five free failures, then must wait: spread over two instances, the
		// sixth failure slows the account on both.
		const guess = (server: BuiltServer) =>
			fetch(`${server.url}/api/trpc/auth.login`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ email: BUILT_ADMIN.email, password: 'not the password' })
			});
		for (let i = 0; i < 6; i++) expect((await guess(i % 2 ? two : one)).status).toBe(401);
		for (const server of [one, two]) {
			const refused = await guess(server);
			expect(refused.status).toBe(429);
			expect((await refused.json()).error.message).toMatch(/try again in/);
		}
		// The other tests sign in again: clear the account's failures as a success would.
		db.prepare(`DELETE FROM login_failures WHERE scope = 'account'`).run();
	});

	it('a change made on one instance pokes an agent connected to the other, who pulls it', async () => {
		const pokes = await openStream(`${two.url}/api/trpc/sync.poke`, onTwo.cookie!);
		try {
			await pokes.waitFor(1, 5_000); // connected
			const created = await onOne.mutate('requests.create', { recipientName: 'Across' });
			expect(await pokes.waitFor(2, 5_000)).toEqual({ at: expect.any(String), reason: 'change' });
			const pulled = await onTwo.query('sync.pull', { clientId: crypto.randomUUID() });
			expect(pulled.changes.map((r: { id: string }) => r.id)).toContain(created.id);
		} finally {
			await pokes.close();
		}
	});

	it('a change made on the instance an agent is connected to comes in the poke itself, link and all', async () => {
		// Made on the database thread; the poke is written by the HTTP thread, which has no link
		// secret: the row crosses with its API shape (docs/architecture.md, pokes with changes).
		const pokes = await openStream(`${one.url}/api/trpc/sync.poke`, onOne.cookie!);
		try {
			await pokes.waitFor(1, 5_000); // connected
			// Once the instance has announced a commit of its own, its versions are known whole.
			await onOne.mutate('requests.create', { recipientName: 'Warm-up' });
			await pokes.waitFor(2, 5_000);
			const created = await onOne.mutate('requests.create', { recipientName: 'Here' });
			const poke = await pokes.waitFor(3, 5_000);
			expect(poke).toMatchObject({ reason: 'change', changes: [created], deleted: [] });
			expect(created.link).toContain('/s/');
		} finally {
			await pokes.close();
		}
	});

	it('an agent’s action on one instance reaches the end user’s link page on the other', async () => {
		const created = await onOne.mutate('requests.create', { recipientName: 'Watcher' });
		const token = tokenOf(created.link);
		const input = encodeURIComponent(JSON.stringify({ token }));
		const watch = await openStream(`${one.url}/api/trpc/link.watch?input=${input}`, '');
		try {
			expect(await watch.waitFor(1, 5_000)).toMatchObject({ status: 'open' });
			await onTwo.mutate('requests.close', { id: created.id });
			expect(await watch.waitFor(2, 5_000)).toMatchObject({ status: 'closed' });
			await watch.ended; // a closed link's stream ends
		} finally {
			await watch.close();
		}
	});

	it('relays a live session’s signalling between browsers served by different instances', async () => {
		const created = await onOne.mutate('requests.create', { recipientName: 'Sharer' });
		const token = tokenOf(created.link);
		const endUser = new ApiClient(one.url);
		await endUser.mutate('link.open', { token });
		await onTwo.mutate('requests.requestConnect', { id: created.id });
		await endUser.mutate('link.respond', { token, decision: 'allow' });

		const query = (input: unknown) => `input=${encodeURIComponent(JSON.stringify(input))}`;
		const sessionKey = endUser.sessionKeys.get(token);
		const toEndUser = await openStream(
			`${one.url}/api/trpc/link.signals?${query({ token, sessionKey })}`,
			''
		);
		const toAgent = await openStream(
			`${two.url}/api/trpc/requests.signals?${query({ id: created.id })}`,
			onTwo.cookie!
		);
		try {
			// An offer of 20 KB: over NOTIFY's limit, so it crosses in parts.
			const sdp = `v=0\r\n${'a=candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host\r\n'.repeat(400)}`;
			expect(sdp.length).toBeGreaterThan(20_000);
			const offer = { type: 'offer', peer: 'end-user-1', attempt: 'a1', sdp };
			await endUser.mutate('link.signal', { token, message: offer });
			const hello = { type: 'hello', peer: 'agent-1' };
			await onTwo.mutate('requests.signal', { id: created.id, message: hello });

			expect(await toAgent.waitFor(1, 5_000)).toMatchObject({ from: 'end_user', message: offer });
			expect(await toEndUser.waitFor(1, 5_000)).toMatchObject({ from: 'agent', message: hello });
		} finally {
			await toEndUser.close();
			await toAgent.close();
		}
	});

	it('lets a colleague on another instance into a live session, and out when the end user removes them', async () => {
		const makeAgent = async (name: string, server: BuiltServer) => {
			const password = 'a long enough password';
			const email = `${name.toLowerCase()}-${crypto.randomUUID()}@example.com`;
			const { user } = await onOne.mutate('users.create', {
				email,
				name,
				password,
				role: 'agent',
				permission: 'edit'
			});
			const client = new ApiClient(server.url);
			await client.login(email, password);
			return { user, client };
		};
		const owner = await makeAgent('Owner', one);
		const colleague = await makeAgent('Colleague', two);
		const created = await onOne.mutate('requests.create', {
			recipientName: 'Two agents',
			assignment: { kind: 'agent', userId: owner.user.id }
		});
		const id = created.id as string;
		const token = tokenOf(created.link);
		const endUser = new ApiClient(one.url);
		await endUser.mutate('link.open', { token });
		await owner.client.mutate('requests.requestConnect', { id });
		await endUser.mutate('link.respond', { token, decision: 'allow' });
		await owner.client.mutate('requests.start', { id });
		await owner.client.mutate('requests.inviteToSession', { id, userId: colleague.user.id });

		const query = (input: unknown) => `input=${encodeURIComponent(JSON.stringify(input))}`;
		const sessionKey = endUser.sessionKeys.get(token);
		const toEndUser = await openStream(
			`${one.url}/api/trpc/link.signals?${query({ token, sessionKey })}`,
			''
		);
		const toColleague = await openStream(
			`${two.url}/api/trpc/requests.signals?${query({ id })}`,
			colleague.client.cookie!
		);
		try {
			const hello = { type: 'hello', peer: 'colleague-page' };
			await colleague.client.mutate('requests.signal', { id, message: hello });
			// Stamped with who sent it on instance two, read on instance one.
			expect(await toEndUser.waitFor(1, 5_000)).toMatchObject({
				from: 'agent',
				message: hello,
				agent: { id: colleague.user.id, name: 'Colleague' }
			});
			const offer = {
				type: 'offer',
				peer: 'user-page',
				to: 'colleague-page',
				attempt: 'a',
				sdp: 'v=0'
			};
			await endUser.mutate('link.signal', { token, message: offer });
			expect(await toColleague.waitFor(1, 5_000)).toMatchObject({ message: offer });

			// Removed on instance one: the colleague's stream on instance two ends.
			await endUser.mutate('link.removeAgent', { token, userId: colleague.user.id });
			await toColleague.ended;
			const refused = await fetch(`${two.url}/api/trpc/requests.signal`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', cookie: colleague.client.cookie! },
				body: JSON.stringify({ id, message: hello })
			});
			expect(refused.status).toBe(404);
		} finally {
			await toEndUser.close();
			await toColleague.close();
		}
	});

	it('expires each due request once while every instance sweeps', async () => {
		const count = 60;
		// Far enough ahead for sixty creates on a loaded machine (each must be in the future).
		const expiresAt = new Date(Date.now() + 6_000).toISOString();
		const ids: string[] = [];
		for (let i = 0; i < count; i++) {
			const created = await onOne.mutate('requests.create', {
				recipientName: `Due ${i}`,
				recipientEmail: `due-${i}@example.com`,
				sendEmail: true,
				expiresAt
			});
			ids.push(created.id);
		}
		await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 50));
		// Every instance sweeps at start: two starting at the same moment race for the same rows,
		// while the two running ones sweep on their own timers.
		await Promise.all([instance(), instance()]);

		// Per request: how many `expired` events, and how many expiry notices to the end user.
		const perRequest = (sql: string) =>
			Object.fromEntries(
				(db.prepare(sql).all() as { request_id: string; n: number }[])
					.filter((row) => ids.includes(row.request_id))
					.map((row) => [row.request_id, row.n])
			);
		const once = Object.fromEntries(ids.map((id) => [id, 1]));
		expect(
			perRequest(
				`SELECT request_id, count(*) AS n FROM request_events
				 WHERE type = 'expired' GROUP BY request_id`
			)
		).toEqual(once);
		expect(
			perRequest(
				`SELECT request_id, count(*) AS n FROM mail_outbox
				 WHERE kind = 'expired' GROUP BY request_id`
			)
		).toEqual(once);
		const versions = db.prepare('SELECT count(DISTINCT version) AS n FROM session_requests').get();
		const rows = db.prepare('SELECT count(*) AS n FROM session_requests').get();
		expect(versions).toEqual(rows);
		// Every instance reports them expired.
		for (const server of servers) {
			const client = new ApiClient(server.url);
			client.cookie = onOne.cookie;
			const { items } = await client.query('requests.list', { status: ['expired'], limit: 100 });
			expect(items.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining(ids));
		}
	}, 60_000);
});
