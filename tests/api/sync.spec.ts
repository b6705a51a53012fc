/**
 * The sync protocol over HTTP (API.md `sync.*`, DESIGN.md §3): idempotent, ordered push with
 * recorded rejections; cursor-based, paged pull with removals and view resets; pokes (those that
 * carry their changes: poke-data.spec.ts).
 */
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, expectApiError } from '../support/client';
import { makeUser, signIn, startTestServer, type TestServer } from '../support/server';
import { openStream } from '../support/sse';
import { POKE_PACING, pokeGapMs } from '../../src/server/trpc/routers/sync';
import { prepareSql } from '../../src/server/db/plain-sql';

type User = Awaited<ReturnType<typeof makeUser>>;
interface Mutation {
	id: number;
	name: string;
	args: unknown;
}

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const ids = (items: { id: string }[]) => items.map((r) => r.id);

describe('sync.push', () => {
	let server: TestServer;
	const now = Date.parse('2030-05-06T08:00:00.000Z');
	let api: ApiClient;
	let otherApi: ApiClient;

	beforeAll(async () => {
		server = await startTestServer({ clock: () => now });
		const [agent, other] = await Promise.all([
			makeUser(server.app, 'agent', 'edit'),
			makeUser(server.app, 'agent', 'edit')
		]);
		[api, otherApi] = await Promise.all([signIn(server, agent), signIn(server, other)]);
	});
	afterAll(() => server?.close());

	const push = (clientId: string, mutations: Mutation[], client = api) =>
		client.mutate('sync.push', { clientId, mutations });
	const lastMutationId = async (clientId: string) =>
		(await api.query('sync.pull', { clientId })).lastMutationId;
	/** What the database holds for a request, counted past every service. */
	const stored = (id: string) => ({
		rows: (
			prepareSql(
				server.app.sqlite,
				(param) => `SELECT count(*) AS n FROM session_requests WHERE id = ${param()}`
			).get(id) as { n: number }
		).n,
		events: (
			prepareSql(
				server.app.sqlite,
				(param) => `SELECT count(*) AS n FROM request_events WHERE request_id = ${param()}`
			).get(id) as { n: number }
		).n,
		version: (
			prepareSql(
				server.app.sqlite,
				(param) => `SELECT version FROM session_requests WHERE id = ${param()}`
			).get(id) as { version: number } | undefined
		)?.version
	});

	it('applies mutations 1..3 once, and answers the same push again without reapplying', async () => {
		const clientId = randomUUID();
		const id = uuidv7();
		const expiresAt = iso(now + 10 * DAY);
		const mutations = [
			{ id: 1, name: 'createRequest', args: { id, recipientName: 'Grace Hopper' } },
			{ id: 2, name: 'updateRequest', args: { id, comments: 'The printer is on fire' } },
			{ id: 3, name: 'extendExpiry', args: { id, expiresAt } }
		];
		const first = await push(clientId, mutations);
		expect(first.results).toEqual([
			{ id: 1, ok: true },
			{ id: 2, ok: true },
			{ id: 3, ok: true }
		]);
		const request = await api.query('requests.get', { id });
		expect(request).toMatchObject({
			id,
			recipientName: 'Grace Hopper',
			comments: 'The printer is on fire',
			expiresAt,
			status: 'open'
		});
		expect(request.events.map((e: { type: string }) => e.type)).toEqual([
			'created',
			'updated',
			'expiry_extended'
		]);
		const after = stored(id);
		expect(after).toEqual({ rows: 1, events: 3, version: request.version });

		// The response was lost, so the client pushes the same batch again.
		const again = await push(clientId, mutations);
		expect(again.results).toEqual(first.results);
		expect(stored(id)).toEqual(after);
		expect(await lastMutationId(clientId)).toBe(3);

		// Overlapping batches: old ids are answered, the new one applied once.
		const overlap = await push(clientId, [
			...mutations.slice(1),
			{ id: 4, name: 'closeRequest', args: { id } }
		]);
		expect(overlap.results).toEqual([
			{ id: 2, ok: true },
			{ id: 3, ok: true },
			{ id: 4, ok: true }
		]);
		expect(stored(id)).toMatchObject({ rows: 1, events: 4 });
		expect((await api.query('requests.get', { id })).status).toBe('closed');
		expect(await lastMutationId(clientId)).toBe(4);
	});

	it('stops at a gap without applying anything after it', async () => {
		const clientId = randomUUID();
		const id = uuidv7();
		await push(clientId, [
			{ id: 1, name: 'createRequest', args: { id, recipientName: 'Gap Gary' } },
			{ id: 2, name: 'updateRequest', args: { id, comments: 'two' } },
			{ id: 3, name: 'updateRequest', args: { id, comments: 'three' } }
		]);
		const before = stored(id);

		const gapped = await push(clientId, [{ id: 5, name: 'closeRequest', args: { id } }]);
		expect(gapped.results).toEqual([]);
		expect(gapped.lastMutationId).toBe(3);
		expect(await lastMutationId(clientId)).toBe(3);
		expect(stored(id)).toEqual(before);
		expect((await api.query('requests.get', { id })).status).toBe('open');

		// A gap inside a batch: what comes before it applies, nothing after it.
		const partial = await push(clientId, [
			{ id: 4, name: 'updateRequest', args: { id, comments: 'four' } },
			{ id: 6, name: 'closeRequest', args: { id } },
			{ id: 7, name: 'updateRequest', args: { id, comments: 'seven' } }
		]);
		expect(partial.results).toEqual([{ id: 4, ok: true }]);
		expect(await lastMutationId(clientId)).toBe(4);
		expect(await api.query('requests.get', { id })).toMatchObject({
			status: 'open',
			comments: 'four'
		});

		// Resent from the gap, in any order within the batch: applied in id order.
		const resent = await push(clientId, [
			{ id: 6, name: 'closeRequest', args: { id } },
			{ id: 5, name: 'updateRequest', args: { id, comments: 'five' } }
		]);
		expect(resent.results).toEqual([
			{ id: 5, ok: true },
			{ id: 6, ok: true }
		]);
		expect(await api.query('requests.get', { id })).toMatchObject({
			status: 'closed',
			comments: 'five'
		});
	});

	it('records a rejected mutation, advances past it, and applies the rest of the batch', async () => {
		const clientId = randomUUID();
		const id = uuidv7();
		const othersId = (await otherApi.mutate('requests.create', { recipientName: 'Not yours' })).id;
		const mutations = [
			{ id: 1, name: 'createRequest', args: { id, recipientName: 'Rita Reject' } },
			{ id: 2, name: 'startSession', args: { id } },
			{ id: 3, name: 'updateRequest', args: { id, recipientName: '   ' } },
			{ id: 4, name: 'createRequest', args: { id, recipientName: 'Same id twice' } },
			{ id: 5, name: 'closeRequest', args: { id: othersId } },
			{ id: 6, name: 'updateRequest', args: { id, comments: 'still applied' } },
			{ id: 7, name: 'closeRequest', args: { id } }
		];
		const { results } = await push(clientId, mutations);
		expect(results).toEqual([
			{ id: 1, ok: true },
			{
				id: 2,
				ok: false,
				error: { code: 'CONFLICT', reason: 'conflict', message: expect.stringMatching(/open/) }
			},
			{
				id: 3,
				ok: false,
				error: {
					code: 'BAD_REQUEST',
					reason: 'invalid',
					field: 'recipientName',
					message: expect.stringMatching(/^recipientName/)
				}
			},
			{
				id: 4,
				ok: false,
				error: {
					code: 'CONFLICT',
					reason: 'conflict',
					message: expect.stringMatching(/already exists/)
				}
			},
			{
				id: 5,
				ok: false,
				error: { code: 'NOT_FOUND', reason: 'not_found', message: expect.any(String) }
			},
			{ id: 6, ok: true },
			{ id: 7, ok: true }
		]);
		expect(await lastMutationId(clientId)).toBe(7);
		const request = await api.query('requests.get', { id });
		expect(request).toMatchObject({
			recipientName: 'Rita Reject',
			comments: 'still applied',
			status: 'closed',
			closedReason: 'closed_by_agent'
		});
		// Rejections left no partial effect.
		expect(request.events.map((e: { type: string }) => e.type)).toEqual([
			'created',
			'updated',
			'closed'
		]);
		expect((await otherApi.query('requests.get', { id: othersId })).status).toBe('open');

		// The recorded reasons are answered again on a retry, nothing reapplied.
		const before = stored(id);
		expect((await push(clientId, mutations)).results).toEqual(results);
		expect(stored(id)).toEqual(before);
	});

	it('refuses a client id that belongs to another user (FORBIDDEN)', async () => {
		const clientId = randomUUID();
		const id = uuidv7();
		await push(clientId, [{ id: 1, name: 'createRequest', args: { id, recipientName: 'Mine' } }]);
		const other = uuidv7();
		await expectApiError(
			push(
				clientId,
				[{ id: 2, name: 'createRequest', args: { id: other, recipientName: 'Theirs' } }],
				otherApi
			),
			'FORBIDDEN'
		);
		await expectApiError(otherApi.query('sync.pull', { clientId }), 'FORBIDDEN');
		expect(stored(other).rows).toBe(0);
		expect(await lastMutationId(clientId)).toBe(1);
	});

	it('refuses another protocol version (protocol_mismatch) and accepts the current one', async () => {
		const clientId = randomUUID();
		const id = uuidv7();
		const mutations = [{ id: 1, name: 'createRequest', args: { id, recipientName: 'Old app' } }];
		const pushError = await expectApiError(
			api.mutate('sync.push', { clientId, protocolVersion: 99, mutations }),
			'BAD_REQUEST',
			'protocol_mismatch'
		);
		expect(pushError.body.data.field).toBe('protocolVersion');
		expect(stored(id).rows).toBe(0);
		const pullError = await expectApiError(
			api.query('sync.pull', { clientId, protocolVersion: 99 }),
			'BAD_REQUEST',
			'protocol_mismatch'
		);
		expect(pullError.body.data.field).toBe('protocolVersion');

		const ok = await api.mutate('sync.push', { clientId, protocolVersion: 1, mutations });
		expect(ok.results).toEqual([{ id: 1, ok: true }]);
		const pulled = await api.query('sync.pull', { clientId, protocolVersion: 1 });
		expect(pulled.lastMutationId).toBe(1);
		expect(ids(pulled.changes)).toContain(id);
	});
});

describe('sync.pull', () => {
	let server: TestServer;
	let now = Date.parse('2030-05-06T08:00:00.000Z');
	let agent: User;
	let api: ApiClient;
	let otherApi: ApiClient;
	let adminApi: ApiClient;
	let mine: string;
	let theirs: string;
	const queue: Record<'own' | 'foreign', string> = { own: '', foreign: '' };
	const seen: Record<string, string> = {};

	beforeAll(async () => {
		server = await startTestServer({ clock: () => now });
		let other: User;
		let admin: User;
		[agent, other, admin] = await Promise.all([
			makeUser(server.app, 'agent', 'edit'),
			makeUser(server.app, 'agent', 'edit'),
			makeUser(server.app, 'admin', 'edit')
		]);
		[api, otherApi, adminApi] = await Promise.all(
			[agent, other, admin].map((u) => signIn(server, u))
		);
		queue.own = (
			await adminApi.mutate('queues.create', { name: 'Own', memberIds: [agent.id] })
		).queue.id;
		queue.foreign = (
			await adminApi.mutate('queues.create', { name: 'Foreign', memberIds: [other.id] })
		).queue.id;
		const create = (client: ApiClient, name: string, assignment: unknown) =>
			client.mutate('requests.create', { recipientName: name, assignment });
		seen.toAgent = (await create(adminApi, 'To agent', { kind: 'agent', userId: agent.id })).id;
		seen.inQueue = (
			await create(adminApi, 'In own queue', { kind: 'queue', queueId: queue.own })
		).id;
		seen.unassigned = (await create(adminApi, 'Unassigned', { kind: 'unassigned' })).id;
		theirs = (await create(otherApi, 'Other agent', { kind: 'me' })).id;
		await create(adminApi, 'Foreign queue', { kind: 'queue', queueId: queue.foreign });
		mine = (await create(api, 'Created by agent', { kind: 'agent', userId: other.id })).id;
	});
	afterAll(() => server?.close());

	const pull = (clientId: string, cursor?: string, limit?: number, client = api) =>
		client.query('sync.pull', { clientId, cursor, limit });

	it('starts with reset: every visible request, a cursor, the server time and lastMutationId', async () => {
		const clientId = randomUUID();
		const first = await pull(clientId);
		expect(first).toEqual({
			changes: expect.any(Array),
			deleted: [],
			cursor: expect.any(String),
			reset: true,
			serverTime: iso(now),
			lastMutationId: 0,
			more: false
		});
		// In server version order; the other agent's and the foreign queue's are not sent.
		expect(ids(first.changes)).toEqual([seen.toAgent, seen.inQueue, seen.unassigned, mine]);
		expect(first.changes[0]).toMatchObject({
			recipientName: 'To agent',
			status: 'open',
			link: expect.stringMatching(/\/s\//)
		});

		// Nothing changed: an incremental pull is empty.
		now += 1_000;
		const idle = await pull(clientId, first.cursor);
		expect(idle).toMatchObject({
			changes: [],
			deleted: [],
			reset: false,
			more: false,
			serverTime: iso(now)
		});

		// Only what changed comes next, including what this client pushed.
		await adminApi.mutate('requests.update', { id: seen.unassigned, comments: 'edited' });
		await api.mutate('sync.push', {
			clientId,
			mutations: [{ id: 1, name: 'updateRequest', args: { id: mine, comments: 'pushed' } }]
		});
		const next = await pull(clientId, idle.cursor);
		expect(next).toMatchObject({ reset: false, deleted: [], lastMutationId: 1, more: false });
		expect(ids(next.changes)).toEqual([seen.unassigned, mine]);
		expect(next.changes.map((r: { comments: string }) => r.comments)).toEqual(['edited', 'pushed']);
		expect((await pull(clientId, next.cursor)).changes).toEqual([]);

		await expectApiError(pull(clientId, 'not-a-cursor'), 'BAD_REQUEST');
	});

	it('removes a request that was reassigned to a queue the agent is not in', async () => {
		const clientId = randomUUID();
		const { cursor } = await pull(clientId);
		await adminApi.mutate('requests.assign', {
			id: seen.toAgent,
			assignment: { kind: 'queue', queueId: queue.foreign }
		});
		const next = await pull(clientId, cursor);
		expect(next.reset).toBe(false);
		expect(next.deleted).toEqual([seen.toAgent]);
		expect(ids(next.changes)).not.toContain(seen.toAgent);
		await expectApiError(api.query('requests.get', { id: seen.toAgent }), 'NOT_FOUND');

		// Members of that queue receive it as a change.
		const memberClient = randomUUID();
		const memberPull = await pull(memberClient, undefined, undefined, otherApi);
		expect(ids(memberPull.changes)).toContain(seen.toAgent);
		expect(ids(memberPull.changes)).toContain(theirs);
	});

	it('never names requests the agent could not see, even when they change', async () => {
		const clientId = randomUUID();
		const { cursor } = await pull(clientId);
		await otherApi.mutate('requests.update', { id: theirs, comments: 'private change' });
		const next = await pull(clientId, cursor);
		expect(next).toMatchObject({ changes: [], deleted: [], reset: false });
	});

	it('starts over without a queue after the agent is removed from it', async () => {
		const clientId = randomUUID();
		const first = await pull(clientId);
		expect(ids(first.changes)).toContain(seen.inQueue);

		await adminApi.mutate('queues.update', { id: queue.own, memberIds: [] });
		const next = await pull(clientId, first.cursor);
		expect(next.reset).toBe(true);
		expect(next.deleted).toEqual([]);
		expect(ids(next.changes)).toEqual([seen.unassigned, mine]);
		await expectApiError(api.query('requests.get', { id: seen.inQueue }), 'NOT_FOUND');

		// The new cursor is incremental again.
		expect((await pull(clientId, next.cursor)).reset).toBe(false);
	});
});

describe('sync.pull paging', () => {
	let server: TestServer;
	let api: ApiClient;
	let created: string[];

	beforeAll(async () => {
		server = await startTestServer();
		const agent = await makeUser(server.app, 'agent', 'edit');
		api = await signIn(server, agent);
		created = [];
		for (let i = 0; i < 25; i++) {
			created.push((await api.mutate('requests.create', { recipientName: `Page ${i}` })).id);
		}
	});
	afterAll(() => server?.close());

	/** Pulls from `cursor` until `more` is false; returns every page. */
	async function pullAll(clientId: string, limit: number, between?: (page: number) => unknown) {
		const pages = [];
		let cursor: string | undefined;
		for (;;) {
			const page = await api.query('sync.pull', { clientId, cursor, limit });
			pages.push(page);
			await between?.(pages.length);
			if (!page.more) return pages;
			cursor = page.cursor;
		}
	}

	it('pages 25 requests by 10 without duplicates or gaps', async () => {
		const pages = await pullAll(randomUUID(), 10);
		expect(pages.map((p) => [p.changes.length, p.more, p.reset])).toEqual([
			[10, true, true],
			[10, true, false],
			[5, false, false]
		]);
		expect(pages.flatMap((p) => p.deleted)).toEqual([]);
		expect(pages.flatMap((p) => ids(p.changes))).toEqual(created);
	});

	it('stays complete when requests change between pages', async () => {
		const pages = await pullAll(randomUUID(), 10, async (page) => {
			if (page !== 1) return;
			// One already received, one not yet: both must arrive in their latest state.
			await api.mutate('requests.update', { id: created[0], comments: 'changed early' });
			await api.mutate('requests.update', { id: created[24], comments: 'changed late' });
		});
		const received = pages.flatMap((p) => p.changes);
		const latest = new Map(received.map((r: { id: string }) => [r.id, r]));
		expect([...latest.keys()].sort()).toEqual([...created].sort());
		expect(ids(received).filter((id) => id === created[24])).toHaveLength(1);
		expect(latest.get(created[0])).toMatchObject({ comments: 'changed early' });
		expect(latest.get(created[24])).toMatchObject({ comments: 'changed late' });
		expect(pages.at(-1).more).toBe(false);
	});
});

describe('sync.poke', () => {
	let server: TestServer;
	let api: ApiClient;
	let otherApi: ApiClient;

	beforeAll(async () => {
		server = await startTestServer();
		const [agent, other] = await Promise.all([
			makeUser(server.app, 'agent', 'edit'),
			makeUser(server.app, 'agent', 'edit')
		]);
		[api, otherApi] = await Promise.all([signIn(server, agent), signIn(server, other)]);
	});
	afterAll(() => server?.close());

	it('pokes on changes the agent may see, and only on those', async () => {
		const stream = await openStream(`${server.url}/api/trpc/sync.poke`, api.cookie!);
		try {
			expect(await stream.waitFor(1, 2_000)).toMatchObject({ reason: 'connected' });

			// Another agent's own request: invisible, so no poke.
			await otherApi.mutate('requests.create', {
				recipientName: 'Private',
				assignment: { kind: 'me' }
			});
			await new Promise((resolve) => setTimeout(resolve, 300));
			expect(stream.messages).toHaveLength(1);

			// An unassigned request is visible to every agent: a poke follows promptly.
			await otherApi.mutate('requests.create', {
				recipientName: 'Shared',
				assignment: { kind: 'unassigned' }
			});
			const poke = await stream.waitFor(2, 2_000);
			// With the row itself (docs/api.md): the device applies it without a pull.
			expect(poke).toMatchObject({
				at: expect.any(String),
				reason: 'change',
				from: expect.any(String),
				to: expect.any(String),
				changes: [expect.objectContaining({ recipientName: 'Shared' })],
				deleted: []
			});
			expect(JSON.stringify(stream.messages)).not.toContain('Private');
		} finally {
			await stream.close();
		}
	});

	it('pokes once for all the changes of one push', async () => {
		const stream = await openStream(`${server.url}/api/trpc/sync.poke`, api.cookie!);
		try {
			await stream.waitFor(1, 2_000);
			// Fifty visible changes in one transaction: a poke only says "pull", so one is enough.
			const mutations = Array.from({ length: 50 }, (_, i) => ({
				id: i + 1,
				name: 'createRequest',
				args: { recipientName: `Burst ${i}`, assignment: { kind: 'unassigned' } }
			}));
			await otherApi.mutate('sync.push', { clientId: randomUUID(), mutations });
			await stream.waitFor(2, 2_000);
			await new Promise((resolve) => setTimeout(resolve, 300));
			expect(stream.messages).toHaveLength(2);
		} finally {
			await stream.close();
		}
	});

	it('announces each separate change at once while few streams are open', async () => {
		const stream = await openStream(`${server.url}/api/trpc/sync.poke`, api.cookie!);
		try {
			await stream.waitFor(1, 2_000);
			// Ten changes one after the other, as an agent working quickly makes them: each is
			// poked as it commits, not held back because the previous one was poked just before.
			for (let i = 0; i < 10; i++) {
				await otherApi.mutate('requests.create', {
					recipientName: `Quick ${i}`,
					assignment: { kind: 'unassigned' }
				});
				const answeredAt = Date.now();
				const poke = (await stream.waitFor(i + 2, 2_000)) as { at: string };
				// Sent with the change's commit (before its answer), give or take a busy moment.
				expect(Date.parse(poke.at)).toBeLessThanOrEqual(answeredAt + 50);
			}
		} finally {
			await stream.close();
		}
	});

	it('with many streams open, answers a steady run of separate changes with a few pokes, the last after the last change', async () => {
		// The budget as a thousand open streams make it: one poke per stream per 100 ms.
		const saved = { ...POKE_PACING };
		POKE_PACING.pokesPerSecond = 10;
		POKE_PACING.dataPokesPerSecond = 10;
		const stream = await openStream(`${server.url}/api/trpc/sync.poke`, api.cookie!);
		try {
			expect(pokeGapMs(1)).toBe(100);
			await stream.waitFor(1, 2_000);
			// Thirty changes, each its own transaction, as fast as the server takes them: a poke
			// per change would be thirty messages to every device that sees them.
			const ids: string[] = [];
			let lastChangeAt = 0;
			for (let i = 0; i < 30; i++) {
				// When the last change was sent: its poke may leave before its answer arrives.
				lastChangeAt = Date.now();
				const request = await otherApi.mutate('requests.create', {
					recipientName: `Steady ${i}`,
					assignment: { kind: 'unassigned' }
				});
				ids.push(request.id);
			}
			await stream.waitFor(2, 2_000);
			await new Promise((resolve) => setTimeout(resolve, pokeGapMs(1) * 3));
			const pokes = stream.messages.length - 1;
			expect(pokes).toBeGreaterThanOrEqual(1);
			expect(pokes).toBeLessThan(30);
			// Nothing is left unannounced: the newest poke came after the last change, and the
			// pokes together hold every change, each range following on from the one before.
			const newest = stream.messages.at(-1) as { at: string };
			expect(Date.parse(newest.at)).toBeGreaterThanOrEqual(lastChangeAt);
			const pokesWithData = stream.messages.slice(1) as {
				from: string;
				to: string;
				changes: { id: string }[];
			}[];
			expect(pokesWithData.flatMap((p) => p.changes.map((r) => r.id))).toEqual(ids);
			pokesWithData.slice(1).forEach((p, i) => expect(p.from).toBe(pokesWithData[i].to));
		} finally {
			Object.assign(POKE_PACING, saved);
			await stream.close();
		}
	});

	it('spreads a fixed budget of pokes over the open streams, never waiting past its bound', () => {
		expect(pokeGapMs(1)).toBeLessThan(1);
		expect(pokeGapMs(10)).toBeLessThan(2);
		expect(pokeGapMs(1_000)).toBe(100);
		expect(pokeGapMs(100_000)).toBe(POKE_PACING.maxGapMs);
	});

	it('follows a queue joined while the stream is open', async () => {
		const admin = await makeUser(server.app, 'admin', 'edit');
		const adminApi = await signIn(server, admin);
		const agentId = (await api.query('auth.me')).user.id;
		const { queue } = await adminApi.mutate('queues.create', {
			name: 'Joined later',
			memberIds: []
		});
		const stream = await openStream(`${server.url}/api/trpc/sync.poke`, api.cookie!);
		try {
			await stream.waitFor(1, 2_000);
			// Not a member yet: a request in the queue is not the agent's to see.
			await adminApi.mutate('requests.create', {
				recipientName: 'Before joining',
				assignment: { kind: 'queue', queueId: queue.id }
			});
			await new Promise((resolve) => setTimeout(resolve, 300));
			expect(stream.messages).toHaveLength(1);
			// Joining is itself a poke (the view changed), and from then on the queue's requests are.
			await adminApi.mutate('queues.update', { id: queue.id, memberIds: [agentId] });
			await stream.waitFor(2, 2_000);
			await new Promise((resolve) => setTimeout(resolve, 100));
			await adminApi.mutate('requests.create', {
				recipientName: 'After joining',
				assignment: { kind: 'queue', queueId: queue.id }
			});
			expect(await stream.waitFor(3, 2_000)).toMatchObject({ reason: 'change' });
		} finally {
			await stream.close();
		}
	});

	it("speaks tRPC's stream format: connected with the client options, then one data message per poke", async () => {
		const stream = await openStream(`${server.url}/api/trpc/sync.poke`, api.cookie!);
		try {
			await stream.waitFor(1, 2_000);
			expect(stream.raw[0]).toBe('event: connected\ndata: {"reconnectAfterInactivityMs":40000}');
			await otherApi.mutate('requests.create', {
				recipientName: 'Format',
				assignment: { kind: 'unassigned' }
			});
			await stream.waitFor(2, 2_000);
			// tRPC ends each message with a third newline: blocks after the first start with it.
			const pokes = stream.raw.map((block) => block.trim()).filter((b) => b.startsWith('data:'));
			// One line of JSON: the poke with the row it announces (joined from the row's JSON).
			expect(pokes[1]).toMatch(/^data: \{"at":"[^"]+","reason":"change","from":"[\d.]+",.*\}$/);
			const poke = JSON.parse(pokes[1].slice(5));
			expect(poke.changes).toEqual([expect.objectContaining({ recipientName: 'Format' })]);
		} finally {
			await stream.close();
		}
	});

	it('ends the stream of a user who is deactivated, as a finished subscription', async () => {
		const admin = await makeUser(server.app, 'admin', 'edit');
		const adminApi = await signIn(server, admin);
		const leaving = await makeUser(server.app, 'agent', 'edit');
		const leavingApi = await signIn(server, leaving);
		const stream = await openStream(`${server.url}/api/trpc/sync.poke`, leavingApi.cookie!);
		await stream.waitFor(1, 2_000);
		await adminApi.mutate('users.update', { id: leaving.id, active: false });
		// The server ends it (the read below finishes) after tRPC's `return` event.
		await Promise.race([
			stream.ended,
			new Promise((_, fail) => setTimeout(() => fail(new Error('the stream did not end')), 3_000))
		]);
		expect(stream.raw.at(-1)?.trim()).toBe('event: return\ndata:');
	});

	it("answers a user without access to requests with tRPC's error event", async () => {
		const none = await makeUser(server.app, 'agent', 'none');
		const noneApi = await signIn(server, none);
		const response = await fetch(`${server.url}/api/trpc/sync.poke`, {
			headers: { cookie: noneApi.cookie!, accept: 'text/event-stream' }
		});
		const text = await response.text();
		expect(text).toContain('event: serialized-error');
		expect(text).toMatch(/"code":"FORBIDDEN"/);
	});

	it('refuses a stream without a signed-in user', async () => {
		const response = await fetch(`${server.url}/api/trpc/sync.poke`, {
			headers: { accept: 'text/event-stream' }
		});
		const text = await response.text();
		expect(text).toMatch(/UNAUTHORIZED/);
	});
});
