import 'fake-indexeddb/auto';
/**
 * The offline-first client against a real server, in node (DESIGN.md §3): each device is a
 * BeckonDB on fake-indexeddb plus the loop the SyncEngine runs (push the outbox over HTTP
 * `sync.push`, apply the results, then pull every page over `sync.pull` and apply it). The
 * engine itself needs a browser; the store and the wire are what matter here.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseDuration } from '../domain/rules';
import type { SessionRequest } from '../domain/types';
import type { Mutation, MutationContext } from '../sync/mutators';
import {
	PROTOCOL_VERSION,
	type MutationArgs,
	type MutationName,
	type MutationResult
} from '../sync/protocol';
import { ApiClient } from '../../../tests/support/client';
/* eslint-disable no-restricted-imports -- the roundtrip needs a real server to talk to */
import { makeUser, startTestServer, type TestServer } from '../../../tests/support/server';
import { createQueue } from '../../server/services/queues';
/* eslint-enable no-restricted-imports */
import { BeckonDB } from './db';
import { applyPull, applyPushResults, queueMutation, wipeLocalData, type PullPage } from './store';

type User = Awaited<ReturnType<typeof makeUser>>;

const NOW = Date.parse('2030-05-06T08:00:00.000Z');

/** One agent signed in on one device. */
interface Device {
	user: User;
	api: ApiClient;
	db: BeckonDB;
	ctx: () => MutationContext;
}

describe('sync roundtrip', () => {
	let server: TestServer;
	let alice: User;
	let bob: User;
	let queueId: string;
	const databases: BeckonDB[] = [];

	beforeAll(async () => {
		server = await startTestServer({ clock: () => NOW });
		[alice, bob] = await Promise.all([
			makeUser(server.app, 'agent', 'edit'),
			makeUser(server.app, 'agent', 'edit')
		]);
		queueId = createQueue(server.app, { name: 'Tier 1', memberIds: [alice.id, bob.id] }).id;
	});
	afterEach(async () => {
		await Promise.all(databases.splice(0).map((db) => db.delete()));
	});
	afterAll(() => server?.close());

	/** Signs `user` in on a device (a fresh one unless `db` is given), as the app does. */
	async function signIn(user: User, db = new BeckonDB('test-' + randomUUID())): Promise<Device> {
		databases.push(db);
		const api = new ApiClient(server.url);
		await api.login(user.email, user.password);
		const [{ user: me }, settings] = await Promise.all([
			api.query('auth.me'),
			api.query('settings.get')
		]);
		await db.setMeta('user', me);
		const ctx = (): MutationContext => ({
			userId: me.id,
			isAdmin: me.role === 'admin',
			queueIds: me.queueIds,
			now: NOW,
			defaultExpiryMs: parseDuration(settings.defaultExpiry)!,
			defaultLanguage: settings.defaultLanguage
		});
		return { user, api, db, ctx };
	}

	/** The device's sync client id, made on first use and kept in the database. */
	async function clientIdOf(device: Device): Promise<string> {
		let id = await device.db.getMeta<string>('clientId');
		if (!id) {
			id = randomUUID();
			await device.db.setMeta('clientId', id);
		}
		return id;
	}

	/** A change made on the device, online or not: applied locally and queued. */
	function change<N extends MutationName>(device: Device, name: N, args: MutationArgs<N>) {
		return queueMutation(device.db, { name, args } as Mutation, device.ctx());
	}

	/**
	 * Pushes the outbox. With `loseResponse`, the first answer never reaches the device and it
	 * sends the same batch again, as after a dropped connection.
	 */
	async function push(device: Device, options: { loseResponse?: boolean } = {}) {
		const batch = await device.db.outbox.orderBy('id').toArray();
		if (batch.length === 0) return [];
		const input = {
			clientId: await clientIdOf(device),
			protocolVersion: PROTOCOL_VERSION,
			mutations: batch.map(({ id, name, args }) => ({ id, name, args }))
		};
		let answer = await device.api.mutate('sync.push', input);
		if (options.loseResponse) answer = await device.api.mutate('sync.push', input);
		const results: MutationResult[] = answer.results;
		await applyPushResults(device.db, batch, results, device.ctx());
		return results;
	}

	/** Pulls every page; `onPage` sees the device after each one. */
	async function pull(device: Device, limit?: number, onPage?: () => Promise<void>) {
		for (;;) {
			const page: PullPage = await device.api.query('sync.pull', {
				clientId: await clientIdOf(device),
				protocolVersion: PROTOCOL_VERSION,
				cursor: (await device.db.getMeta<string>('cursor')) ?? null,
				limit
			});
			await applyPull(device.db, page, device.ctx());
			await onPage?.();
			if (!page.more) return;
		}
	}

	async function sync(device: Device) {
		const results = await push(device);
		await pull(device);
		return results;
	}

	const count = (sql: string, ...params: unknown[]) =>
		(server.app.sqlite.prepare(sql).get(...params) as { n: number }).n;
	const serverRows = (ids: string[]) =>
		count(
			`SELECT count(*) AS n FROM session_requests WHERE id IN (${ids.map(() => '?').join(',')})`,
			...ids
		);
	const createdEvents = (ids: string[]) =>
		count(
			`SELECT count(*) AS n FROM request_events WHERE type = 'created' AND request_id IN (${ids
				.map(() => '?')
				.join(',')})`,
			...ids
		);

	it('sends requests created offline to the server exactly once, even when a push is sent twice', async () => {
		const device = await signIn(alice);
		const ids = [randomUUID(), randomUUID()];
		await change(device, 'createRequest', { id: ids[0], recipientName: 'Grace Hopper' });
		await change(device, 'createRequest', {
			id: ids[1],
			recipientName: 'Linus',
			assignment: { kind: 'queue', queueId }
		});
		await change(device, 'updateRequest', { id: ids[0], comments: 'Printer on fire' });
		expect(await device.db.requests.toArray()).toMatchObject([
			{ unsynced: true, link: null },
			{ unsynced: true, link: null }
		]);

		const results = await push(device, { loseResponse: true });
		expect(results).toEqual([
			{ id: 1, ok: true },
			{ id: 2, ok: true },
			{ id: 3, ok: true }
		]);
		expect(serverRows(ids)).toBe(2);
		expect(createdEvents(ids)).toBe(2);

		await pull(device);
		expect(await device.db.outbox.count()).toBe(0);
		const [first, second] = await device.db.requests.bulkGet(ids);
		expect(first).toMatchObject({
			recipientName: 'Grace Hopper',
			comments: 'Printer on fire',
			assignment: { kind: 'agent', userId: alice.id },
			pending: 0,
			unsynced: false,
			link: expect.stringContaining('/s/')
		});
		expect(second).toMatchObject({ assignment: { kind: 'queue', queueId }, pending: 0 });

		// Even a batch that comes back after its acknowledgement is not applied again.
		const replay = await device.api.mutate('sync.push', {
			clientId: await clientIdOf(device),
			mutations: [{ id: 1, name: 'createRequest', args: { id: ids[0], recipientName: 'Again' } }]
		});
		expect(replay.results).toEqual([{ id: 1, ok: true }]);
		expect(serverRows(ids)).toBe(2);
		expect(createdEvents(ids)).toBe(2);
	});

	it("shows one agent's changes on the other's device after it pulls", async () => {
		const [a, b] = await Promise.all([signIn(alice), signIn(bob)]);
		const id = randomUUID();
		await change(a, 'createRequest', {
			id,
			recipientName: 'Margaret',
			assignment: { kind: 'unassigned' }
		});
		await sync(a);
		expect(await b.db.requests.get(id)).toBeUndefined();
		await sync(b);
		expect(await b.db.requests.get(id)).toMatchObject({
			recipientName: 'Margaret',
			status: 'open',
			createdBy: alice.id,
			pending: 0
		});

		await change(a, 'updateRequest', { id, comments: 'Call after lunch' });
		await change(a, 'closeRequest', { id });
		await sync(a);
		expect(await b.db.requests.get(id)).toMatchObject({ status: 'open' });
		await sync(b);
		const seenByBob = await b.db.requests.get(id);
		expect(seenByBob).toMatchObject({
			status: 'closed',
			closedReason: 'closed_by_agent',
			comments: 'Call after lunch',
			link: null
		});

		// And back: Bob reopens it, Alice sees it open with a new link.
		await change(b, 'reopenRequest', { id });
		await sync(b);
		await sync(a);
		expect(await a.db.requests.get(id)).toMatchObject({
			status: 'open',
			pending: 0,
			link: expect.stringContaining('/s/')
		});
		expect(await a.db.requests.get(id)).toEqual(await b.db.requests.get(id));
	});

	/** Both agents take the same queued request while offline; Alice syncs first. */
	async function takeRace(creator: 'alice' | 'bob') {
		const [a, b] = await Promise.all([signIn(alice), signIn(bob)]);
		const id = randomUUID();
		const owner = creator === 'alice' ? a : b;
		await change(owner, 'createRequest', {
			id,
			recipientName: 'Race',
			assignment: { kind: 'queue', queueId }
		});
		await sync(owner);
		await Promise.all([sync(a), sync(b)]);
		expect(await a.db.requests.get(id)).toMatchObject({ assignment: { kind: 'queue', queueId } });
		expect(await b.db.requests.get(id)).toMatchObject({ assignment: { kind: 'queue', queueId } });

		// Offline, each takes it: each sees it as theirs.
		expect(await change(a, 'takeRequest', { id })).toMatchObject({
			assignment: { kind: 'agent', userId: alice.id },
			pending: 1
		});
		expect(await change(b, 'takeRequest', { id })).toMatchObject({
			assignment: { kind: 'agent', userId: bob.id },
			pending: 1
		});

		const [aliceTake, bobTake] = await Promise.all(
			[a, b].map(async (d) => (await d.db.outbox.toArray()).map((e) => e.id))
		);
		expect(await sync(a)).toEqual([{ id: aliceTake[0], ok: true }]);
		const conflict = {
			code: 'CONFLICT',
			reason: 'conflict',
			message: `Already taken by ${alice.name}`
		};
		expect(await sync(b)).toEqual([{ id: bobTake[0], ok: false, error: conflict }]);

		const server = (await a.api.query('requests.get', { id })) as SessionRequest;
		expect(server.assignment).toEqual({ kind: 'agent', userId: alice.id });
		expect(await a.db.requests.get(id)).toMatchObject({
			assignment: { kind: 'agent', userId: alice.id },
			pending: 0
		});
		expect(await a.db.attention.count()).toBe(0);
		expect(await b.db.outbox.count()).toBe(0);
		expect(await b.db.attention.toArray()).toEqual([
			{
				mutationId: bobTake[0],
				name: 'takeRequest',
				args: { id },
				requestId: id,
				recipientName: 'Race',
				error: conflict,
				at: expect.any(String)
			}
		]);
		return { id, server, loser: b };
	}

	it('of two agents taking the same request offline, the loser is told who won and loses the request', async () => {
		const { id, loser } = await takeRace('alice');
		// Alice's now, and not Bob's to see: it leaves his device.
		expect(await loser.db.requests.get(id)).toBeUndefined();
		expect(await loser.db.base.get(id)).toBeUndefined();
	});

	it('of two agents taking the same request offline, the loser who created it sees it as the server has it', async () => {
		const { id, server, loser } = await takeRace('bob');
		const { events: _events, ...row } = server as SessionRequest & { events: unknown };
		expect(await loser.db.requests.get(id)).toEqual({
			...row,
			assignee: `agent:${alice.id}`,
			pending: 0,
			unsynced: false
		});
	});

	it('never hides a request created on this device while a paged pull is under way', async () => {
		const a = await signIn(alice);
		for (const name of ['one', 'two', 'three']) {
			await change(a, 'createRequest', { id: randomUUID(), recipientName: name });
		}
		await sync(a);

		const fresh = await signIn(alice);
		const id = randomUUID();
		await change(fresh, 'createRequest', { id, recipientName: 'Made offline' });
		await push(fresh);
		let pages = 0;
		await pull(fresh, 1, async () => {
			pages += 1;
			expect(await fresh.db.requests.get(id), `after page ${pages}`).toMatchObject({
				recipientName: 'Made offline'
			});
		});
		expect(pages).toBeGreaterThan(3);
		expect(await fresh.db.requests.get(id)).toMatchObject({ pending: 0, unsynced: false });
		expect(await fresh.db.outbox.count()).toBe(0);
	});

	it('lets the next agent sync on a shared device after the first one signed out', async () => {
		const a = await signIn(alice);
		await change(a, 'createRequest', { id: randomUUID(), recipientName: "Alice's" });
		await sync(a);

		// Sign-out: the local data goes (the server session is irrelevant here).
		await wipeLocalData(a.db);
		const b = await signIn(bob, a.db);
		const id = randomUUID();
		await change(b, 'createRequest', { id, recipientName: "Bob's" });
		expect(await sync(b)).toEqual([{ id: expect.any(Number), ok: true }]);
		expect(serverRows([id])).toBe(1);
		expect(await b.db.requests.get(id)).toMatchObject({ createdBy: bob.id, pending: 0 });
	});
});
