/**
 * Expiry (API.md: "a request whose expiresAt has passed is reported expired by every read,
 * whatever the sweeper has done so far"; DESIGN.md §1): reads before the sweep, then the sweep.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireDueRequests } from '../../src/server/jobs/expiry';
import { ApiClient, expectApiError } from '../support/client';
import { makeUser, startTestServer, type TestServer } from '../support/server';
import { prepareSql } from '../../src/server/db/plain-sql';

type User = Awaited<ReturnType<typeof makeUser>>;

const HOUR = 3_600_000;
const tokenOf = (link: string) => link.slice(link.lastIndexOf('/s/') + 3);
const iso = (ms: number) => new Date(ms).toISOString();

/** One server with a clock the test moves, an agent and the end user's client. */
function setup() {
	const ctx = {
		now: Date.parse('2030-03-04T10:00:00.000Z'),
		server: undefined as unknown as TestServer,
		agent: undefined as unknown as User,
		api: undefined as unknown as ApiClient,
		endUser: undefined as unknown as ApiClient
	};
	beforeAll(async () => {
		ctx.server = await startTestServer({ clock: () => ctx.now });
		ctx.agent = await makeUser(ctx.server.app, 'agent', 'edit');
		ctx.api = new ApiClient(ctx.server.url);
		await ctx.api.login(ctx.agent.email, ctx.agent.password);
		ctx.endUser = new ApiClient(ctx.server.url);
	});
	afterAll(() => ctx.server?.close());
	return ctx;
}

/** The stored row, bypassing every read-time rule. */
function dbRow(server: TestServer, id: string) {
	return prepareSql(
		server.app.sqlite,
		(param) => `SELECT status, version FROM session_requests WHERE id = ${param()}`
	).get(id) as { status: string; version: number };
}

describe('expiry by read, before any sweep', () => {
	const ctx = setup();

	it('reports a request past its expiry as expired everywhere, though the row still says waiting', async () => {
		const { api, endUser, server } = ctx;
		const created = await api.mutate('requests.create', {
			recipientName: 'Late Larry',
			expiresAt: iso(ctx.now + HOUR)
		});
		const token = tokenOf(created.link);
		await endUser.mutate('link.open', { token });
		const live = await api.query('requests.get', { id: created.id });
		expect(live.status).toBe('waiting');
		expect(await api.query('requests.list', { status: ['expired'] })).toMatchObject({
			items: []
		});

		// Expiry is inclusive: at expiresAt exactly, it has expired.
		ctx.now += HOUR;
		const got = await api.query('requests.get', { id: created.id });
		expect(got).toMatchObject({
			status: 'expired',
			link: null,
			connectRequested: false,
			statusChangedAt: created.expiresAt,
			version: live.version
		});
		expect(dbRow(server, created.id)).toEqual({ status: 'waiting', version: live.version });

		const listed = await api.query('requests.list', {});
		expect(listed.items.find((r: { id: string }) => r.id === created.id)).toMatchObject({
			status: 'expired',
			link: null
		});
		const expiredOnly = await api.query('requests.list', { status: ['expired'] });
		expect(expiredOnly.items.map((r: { id: string }) => r.id)).toEqual([created.id]);
		const waitingOnly = await api.query('requests.list', { status: ['waiting', 'open'] });
		expect(waitingOnly.items.map((r: { id: string }) => r.id)).not.toContain(created.id);

		const pulled = await api.query('sync.pull', { clientId: randomUUID() });
		expect(pulled.changes.find((r: { id: string }) => r.id === created.id)).toMatchObject({
			status: 'expired',
			link: null
		});

		for (const path of ['requests.requestConnect', 'requests.start', 'requests.close']) {
			const error = await expectApiError(api.mutate(path, { id: created.id }), 'CONFLICT');
			expect(error.body.message).toMatch(/expired/);
		}
		const extend = await expectApiError(
			api.mutate('requests.extend', { id: created.id, expiresAt: iso(ctx.now + HOUR) }),
			'CONFLICT'
		);
		expect(extend.body.message).toMatch(/expired/);
		const linkError = await expectApiError(
			endUser.query('link.get', { token }),
			'NOT_FOUND',
			'link_dead'
		);
		expect(linkError.body.data.detail).toBe('expired');
		expect(linkError.body.message).toMatch(/expired/);
		await expectApiError(endUser.mutate('link.open', { token }), 'NOT_FOUND');

		// Nothing was written by any of those refusals.
		expect(dbRow(server, created.id)).toEqual({ status: 'waiting', version: live.version });

		// Reopening an expired request works from what reads report, and gives a new link.
		const reopened = await api.mutate('requests.reopen', {
			id: created.id,
			expiresAt: iso(ctx.now + 2 * HOUR)
		});
		expect(reopened).toMatchObject({ status: 'open', link: expect.any(String) });
		expect(reopened.link).not.toBe(created.link);
		const events = (await api.query('requests.get', { id: created.id })).events;
		expect(events.at(-1)).toMatchObject({ type: 'reopened' });
		expect(events.some((e: { type: string }) => e.type === 'expired')).toBe(false);
	});
});

describe('the expiry sweeper', () => {
	const ctx = setup();

	it('writes expired (event by system, new version) on due requests only, once', async () => {
		const { api, endUser, server } = ctx;
		const create = (name: string, lifetime: number) =>
			api.mutate('requests.create', { recipientName: name, expiresAt: iso(ctx.now + lifetime) });

		const dueOpen = await create('Due open', HOUR);
		const dueWaiting = await create('Due waiting', 2 * HOUR);
		await endUser.mutate('link.open', { token: tokenOf(dueWaiting.link) });
		const dueReady = await create('Due ready', HOUR);
		const readyToken = tokenOf(dueReady.link);
		await endUser.mutate('link.open', { token: readyToken });
		await api.mutate('requests.requestConnect', { id: dueReady.id });
		await endUser.mutate('link.respond', { token: readyToken, decision: 'allow' });
		const connected = await create('In session', HOUR);
		const connectedToken = tokenOf(connected.link);
		await endUser.mutate('link.open', { token: connectedToken });
		await api.mutate('requests.requestConnect', { id: connected.id });
		await endUser.mutate('link.respond', { token: connectedToken, decision: 'allow' });
		await api.mutate('requests.start', { id: connected.id });
		const closed = await create('Closed', HOUR);
		await api.mutate('requests.close', { id: closed.id });
		const notDue = await create('Not due', 3 * HOUR);

		expect(expireDueRequests(server.app)).toBe(0);

		ctx.now += 2 * HOUR;
		const due = [dueOpen, dueWaiting, dueReady];
		const before = new Map(due.map((r) => [r.id, dbRow(server, r.id)]));
		const untouched = [connected, closed, notDue].map((r) => dbRow(server, r.id));

		expect(expireDueRequests(server.app)).toBe(3);

		for (const request of due) {
			const row = dbRow(server, request.id);
			expect(row.status).toBe('expired');
			expect(row.version).toBeGreaterThan(before.get(request.id)!.version);
			const got = await api.query('requests.get', { id: request.id });
			expect(got).toMatchObject({ status: 'expired', link: null, version: row.version });
			expect(got.events.at(-1)).toMatchObject({
				type: 'expired',
				actor: 'system',
				at: iso(ctx.now),
				data: { expiresAt: request.expiresAt }
			});
			await expectApiError(
				endUser.query('link.get', { token: tokenOf(request.link) }),
				'NOT_FOUND'
			);
		}
		const versions = due.map((r) => dbRow(server, r.id).version);
		expect(new Set(versions).size).toBe(versions.length);

		// A connected request never expires; closed and not-yet-due ones are left alone.
		expect([connected, closed, notDue].map((r) => dbRow(server, r.id))).toEqual(untouched);
		expect(untouched.map((r) => r.status)).toEqual(['connected', 'closed', 'open']);
		const session = await api.query('requests.get', { id: connected.id });
		expect(session.status).toBe('connected');
		expect(session.events.some((e: { type: string }) => e.type === 'expired')).toBe(false);
		expect((await endUser.query('link.get', { token: connectedToken })).status).toBe('connected');

		expect(expireDueRequests(server.app)).toBe(0);
		expect(due.map((r) => dbRow(server, r.id).version)).toEqual(versions);

		// A sync client that pulls after the sweep receives the expiry as a change.
		const pulled = await api.query('sync.pull', { clientId: randomUUID() });
		const byId = new Map(pulled.changes.map((r: { id: string }) => [r.id, r]));
		for (const request of due) expect(byId.get(request.id)).toMatchObject({ status: 'expired' });

		// The session in progress ends normally even past its expiry.
		expect(await api.mutate('requests.end', { id: connected.id })).toMatchObject({
			status: 'closed',
			closedReason: 'completed'
		});

		// The not-yet-due one expires at its own time, and only it.
		ctx.now += HOUR;
		expect(expireDueRequests(server.app)).toBe(1);
		expect(dbRow(server, notDue.id).status).toBe('expired');
		expect(expireDueRequests(server.app)).toBe(0);
	});
});
