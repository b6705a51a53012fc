import 'fake-indexeddb/auto';
/**
 * The local store (DESIGN.md §3): a change is applied and queued in one transaction; a pull
 * writes the server's rows, drops what the server acknowledged and re-applies what is still
 * pending on top (rebase); a rejected push moves the change to "needs attention" and rolls its
 * effect back. Runs on fake-indexeddb, a fresh database per test.
 */
import { randomUUID } from 'node:crypto';
import Dexie from 'dexie';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { conflict, DomainError, DomainErrorReason, forbidden, notFound } from '../domain/errors';
import type { RequestEvent, SessionRequest } from '../domain/types';
import type { Mutation, MutationContext } from '../sync/mutators';
import {
	refusalOf,
	type MutationArgs,
	type MutationName,
	type MutationResult
} from '../sync/protocol';
import { assigneeKey, BeckonDB, STORES_V1, type LocalRequest, type OutboxEntry } from './db';
import {
	applyPull,
	applyPushResults,
	mergePullPages,
	queueMutation,
	wipeLocalData,
	type PullPage
} from './store';
import { serverRequest } from '../../../tests/support/requests';

const MINUTE = 60_000;
const DAY = 86_400_000;
const NOW = Date.parse('2030-05-06T08:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const ME = randomUUID();
const OTHER = randomUUID();

const ctx: MutationContext = {
	userId: ME,
	isAdmin: false,
	queueIds: [],
	now: NOW,
	defaultExpiryMs: 7 * DAY,
	defaultLanguage: 'en'
};

let db: BeckonDB;
beforeEach(() => {
	db = new BeckonDB('test-' + randomUUID());
});
afterEach(async () => {
	await db.delete();
});

/** A request as the server sends it in a pull. */
const fromServer = (overrides: Partial<SessionRequest> = {}) => serverRequest(ME, NOW, overrides);

/** The row the UI shows for a server row with nothing pending. */
const shownAsSynced = (request: SessionRequest): LocalRequest => ({
	...request,
	assignee: assigneeKey(request.assignment),
	pending: 0,
	unsynced: false
});

function page(overrides: Partial<PullPage> = {}): PullPage {
	return {
		changes: [],
		deleted: [],
		cursor: '1.0',
		serverTime: iso(NOW),
		lastMutationId: 0,
		more: false,
		...overrides
	};
}

function queue<N extends MutationName>(name: N, args: MutationArgs<N>, context = ctx) {
	return queueMutation(db, { name, args } as Mutation, context);
}

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
	try {
		await promise;
	} catch (error) {
		if (error instanceof DomainError) return error;
		throw error;
	}
	throw new Error('expected a DomainError, but the change was queued');
}

/** The server's answer to a push of `sent`. */
const answered = (sent: OutboxEntry[], results: MutationResult[]) =>
	applyPushResults(db, sent, results, ctx);
const accepted = (id: number): MutationResult => ({ id, ok: true });
/** A mutation the server refused, its error as the wire carries it. */
const refused = (id: number, error: DomainError): MutationResult => ({
	id,
	ok: false,
	error: refusalOf(error)
});

const outboxIds = async () => (await db.outbox.orderBy('id').toArray()).map((e) => e.id);

describe('queueMutation', () => {
	it('applies a change and appends it to the outbox, with mutation ids 1, 2, 3', async () => {
		const id = randomUUID();
		const created = await queue('createRequest', { id, recipientName: 'Grace Hopper' });
		expect(created).toMatchObject({
			id,
			status: 'open',
			assignee: `agent:${ME}`,
			pending: 1,
			unsynced: true,
			link: null
		});
		expect(await db.requests.get(id)).toEqual(created);

		await queue('updateRequest', { id, comments: 'Printer on fire' });
		const closed = await queue('closeRequest', { id });
		expect(closed).toMatchObject({
			status: 'closed',
			closedReason: 'closed_by_agent',
			comments: 'Printer on fire',
			pending: 3,
			unsynced: true
		});
		expect(await db.requests.get(id)).toEqual(closed);
		expect(await db.outbox.orderBy('id').toArray()).toEqual([
			{
				id: 1,
				name: 'createRequest',
				args: { id, recipientName: 'Grace Hopper' },
				requestId: id,
				createdAt: iso(NOW)
			},
			{
				id: 2,
				name: 'updateRequest',
				args: { id, comments: 'Printer on fire' },
				requestId: id,
				createdAt: iso(NOW)
			},
			{ id: 3, name: 'closeRequest', args: { id }, requestId: id, createdAt: iso(NOW) }
		]);
		expect(await db.getMeta('nextMutationId')).toBe(4);
		// `base` mirrors the server only: nothing there until a pull brings the request.
		expect(await db.base.count()).toBe(0);

		// The counter is per device, not per request.
		const other = randomUUID();
		await queue('createRequest', { id: other, recipientName: 'Linus' });
		expect(await outboxIds()).toEqual([1, 2, 3, 4]);
	});

	it('counts the pending changes of a synced request, which stays synced', async () => {
		const request = fromServer();
		await applyPull(db, page({ changes: [request] }), ctx);
		const shown = await queue('updateRequest', { id: request.id, comments: 'Call back' });
		expect(shown).toEqual({
			...shownAsSynced(request),
			comments: 'Call back',
			updatedAt: iso(NOW),
			pending: 1
		});
		expect(await db.base.get(request.id)).toEqual(request);
	});

	it('throws the domain error and writes nothing when the change is illegal', async () => {
		const request = fromServer();
		await applyPull(db, page({ changes: [request] }), ctx);
		await queue('closeRequest', { id: request.id });
		const before = await db.requests.get(request.id);

		expect(await refusal(queue('startSession', { id: request.id }))).toMatchObject({
			reason: DomainErrorReason.conflict,
			message: 'Cannot start a session on a request that is closed'
		});
		expect(
			await refusal(queue('createRequest', { id: request.id, recipientName: 'Twin' }))
		).toMatchObject({ reason: DomainErrorReason.conflict });
		expect(
			await refusal(queue('updateRequest', { id: request.id, recipientName: ' ' }))
		).toMatchObject({ reason: DomainErrorReason.invalid, field: 'recipientName' });
		expect(await refusal(queue('closeRequest', { id: randomUUID() }))).toBeInstanceOf(DomainError);

		expect(await db.requests.get(request.id)).toEqual(before);
		expect(await db.requests.count()).toBe(1);
		expect(await outboxIds()).toEqual([1]);
		expect(await db.getMeta('nextMutationId')).toBe(2);
	});

	it('keeps nothing of a change whose outbox entry cannot be written', async () => {
		const id = randomUUID();
		await queue('createRequest', { id, recipientName: 'Grace' });
		const before = await db.requests.get(id);
		// Corrupt the counter so that the next outbox entry collides with entry 1.
		await db.setMeta('nextMutationId', 1);
		await expect(queue('updateRequest', { id, comments: 'lost?' })).rejects.toThrow();
		expect(await db.requests.get(id)).toEqual(before);
		expect(await db.outbox.toArray()).toMatchObject([{ id: 1, name: 'createRequest' }]);
		expect(await db.getMeta('nextMutationId')).toBe(1);
	});
});

describe('applyPull', () => {
	it('stores server rows and bookkeeping, and removes what left the view', async () => {
		const a = fromServer({ recipientName: 'A' });
		const b = fromServer({ recipientName: 'B' });
		await applyPull(db, page({ changes: [a, b], cursor: '2.0' }), ctx);
		expect(await db.base.bulkGet([a.id, b.id])).toEqual([a, b]);
		expect(await db.requests.bulkGet([a.id, b.id])).toEqual([shownAsSynced(a), shownAsSynced(b)]);
		expect(await db.getMeta('cursor')).toBe('2.0');
		expect(await db.getMeta('lastSyncAt')).toEqual(expect.any(String));
		expect(await db.getMeta('serverOffsetMs')).toEqual(expect.any(Number));

		const event: RequestEvent = {
			id: 1,
			requestId: b.id,
			type: 'created',
			actor: ME,
			at: b.createdAt,
			data: {}
		};
		await db.events.put(event);
		await applyPull(db, page({ deleted: [b.id], cursor: '3.0' }), ctx);
		expect(await db.base.get(b.id)).toBeUndefined();
		expect(await db.requests.get(b.id)).toBeUndefined();
		expect(await db.events.count()).toBe(0);
		expect(await db.requests.get(a.id)).toEqual(shownAsSynced(a));
		expect(await db.getMeta('cursor')).toBe('3.0');
	});

	it('forgets the timeline and refused changes it kept of a request that arrives anonymised', async () => {
		const kept = fromServer({ recipientName: 'Kept', status: 'closed', link: null });
		const erased = fromServer({
			recipientName: 'Ada Lovelace',
			recipientEmail: 'ada@example.com',
			status: 'closed',
			link: null
		});
		await applyPull(db, page({ changes: [kept, erased] }), ctx);
		for (const [id, request] of [
			[1, erased],
			[2, kept]
		] as const) {
			await db.events.put({
				id,
				requestId: request.id,
				type: 'email_sent',
				actor: 'system',
				at: request.createdAt,
				data: { to: request.recipientEmail }
			});
			await db.attention.put({
				mutationId: id,
				name: 'updateRequest',
				args: { id: request.id, recipientEmail: 'ada@example.com' },
				requestId: request.id,
				recipientName: request.recipientName,
				error: { code: 'CONFLICT', message: 'Cannot edit a request that is closed' },
				at: request.createdAt
			});
		}
		const anonymized = {
			...erased,
			recipientName: 'anonymized',
			recipientEmail: null,
			version: 9,
			anonymizedAt: iso(NOW)
		};
		await applyPull(db, page({ changes: [anonymized], cursor: '9.0' }), ctx);
		expect(await db.requests.get(erased.id)).toEqual(shownAsSynced(anonymized));
		expect(await db.base.get(erased.id)).toEqual(anonymized);
		expect(await db.events.toArray()).toMatchObject([{ id: 2, requestId: kept.id }]);
		expect(await db.attention.toArray()).toMatchObject([{ mutationId: 2, requestId: kept.id }]);
		const everything = JSON.stringify(await Promise.all(db.tables.map((t) => t.toArray())));
		expect(everything).not.toContain('Ada Lovelace');
	});

	it("re-applies a pending change on top of the server's newer row, until it is acknowledged", async () => {
		const request = fromServer();
		await applyPull(db, page({ changes: [request] }), ctx);
		await queue('closeRequest', { id: request.id });

		// Meanwhile on the server: reassigned to someone else and edited.
		const reassigned = {
			...request,
			assignment: { kind: 'agent', userId: OTHER } as const,
			comments: 'handed over',
			version: 2
		};
		await applyPull(db, page({ changes: [reassigned], lastMutationId: 0 }), ctx);
		expect(await db.base.get(request.id)).toEqual(reassigned);
		expect(await db.requests.get(request.id)).toMatchObject({
			status: 'closed',
			closedReason: 'closed_by_agent',
			assignment: { kind: 'agent', userId: OTHER },
			assignee: `agent:${OTHER}`,
			comments: 'handed over',
			pending: 1,
			unsynced: false
		});
		expect(await outboxIds()).toEqual([1]);

		// The server processed the close: the row is now the server's own, nothing pending.
		const closed = {
			...reassigned,
			status: 'closed' as const,
			closedReason: 'closed_by_agent' as const,
			link: null,
			version: 3
		};
		await applyPull(db, page({ changes: [closed], lastMutationId: 1 }), ctx);
		expect(await db.requests.get(request.id)).toEqual(shownAsSynced(closed));
		expect(await db.outbox.count()).toBe(0);
	});

	it('re-applies the changes a tab started with before it has loaded the mutators', async () => {
		// A new tab: the mutators (domain plans, zod) load after its first screen; its outbox
		// holds a change made in an earlier session.
		vi.resetModules();
		const fresh = await import('./store');
		const request = fromServer();
		await db.outbox.add({
			id: 1,
			name: 'closeRequest',
			args: { id: request.id },
			requestId: request.id,
			createdAt: iso(NOW)
		});
		await fresh.applyPull(db, page({ changes: [request] }), ctx);
		expect(await db.requests.get(request.id)).toMatchObject({
			status: 'closed',
			closedReason: 'closed_by_agent',
			pending: 1,
			unsynced: false
		});
	});

	it('drops only the acknowledged entries and keeps the later ones applied', async () => {
		const request = fromServer();
		await applyPull(db, page({ changes: [request] }), ctx);
		await queue('updateRequest', { id: request.id, comments: 'first' });
		await queue('closeRequest', { id: request.id });

		const updated = { ...request, comments: 'first', version: 2 };
		await applyPull(db, page({ changes: [updated], lastMutationId: 1 }), ctx);
		expect(await outboxIds()).toEqual([2]);
		expect(await db.requests.get(request.id)).toMatchObject({
			comments: 'first',
			status: 'closed',
			pending: 1
		});
	});

	it('turns an acknowledged create into the synced row, with its link', async () => {
		const id = randomUUID();
		await queue('createRequest', { id, recipientName: 'Grace' });
		// A page without the row yet: the create is still shown.
		await applyPull(db, page({ lastMutationId: 0 }), ctx);
		expect(await db.requests.get(id)).toMatchObject({ pending: 1, unsynced: true });

		const created = fromServer({ id, recipientName: 'Grace', createdAt: iso(NOW) });
		await applyPull(db, page({ changes: [created], lastMutationId: 1 }), ctx);
		expect(await db.requests.get(id)).toEqual(shownAsSynced(created));
		expect(await db.outbox.count()).toBe(0);
	});

	it('keeps showing an acknowledged change until the last page of a paged pull', async () => {
		const id = randomUUID();
		const other = fromServer();
		await queue('createRequest', { id, recipientName: 'Grace' });
		// The server has processed the create, but its row comes on a later page (rows come in
		// version order, and a new one is the newest): the request must not vanish meanwhile.
		await applyPull(db, page({ changes: [other], lastMutationId: 1, more: true }), ctx);
		expect(await db.requests.get(id)).toMatchObject({ recipientName: 'Grace', pending: 1 });

		const created = fromServer({ id, recipientName: 'Grace', version: 2 });
		await applyPull(db, page({ changes: [created], lastMutationId: 1 }), ctx);
		expect(await db.requests.get(id)).toEqual(shownAsSynced(created));
		expect(await db.outbox.count()).toBe(0);
	});

	it('skips a pending change that no longer applies, showing the server state, and keeps it queued', async () => {
		const ready = fromServer({ status: 'ready' });
		await applyPull(db, page({ changes: [ready] }), ctx);
		expect(await queue('startSession', { id: ready.id })).toMatchObject({ status: 'connected' });

		// The end user declined before the start reached the server.
		const declined = {
			...ready,
			status: 'closed' as const,
			closedReason: 'declined_by_user' as const,
			link: null,
			version: 2
		};
		await applyPull(db, page({ changes: [declined], lastMutationId: 0 }), ctx);
		expect(await db.requests.get(ready.id)).toMatchObject({
			status: 'closed',
			closedReason: 'declined_by_user',
			pending: 1
		});
		// Not lost: the server will judge it and give its reason.
		expect(await db.outbox.toArray()).toMatchObject([
			{ id: 1, name: 'startSession', requestId: ready.id }
		]);
	});

	it('on reset, keeps only the snapshot and what this device created but has not synced', async () => {
		const kept = fromServer({ recipientName: 'kept' });
		const gone = fromServer({ recipientName: 'gone' });
		const goneWithChange = fromServer({ recipientName: 'gone, changed here' });
		await applyPull(db, page({ changes: [kept, gone, goneWithChange] }), ctx);
		await db.events.put({
			id: 1,
			requestId: gone.id,
			type: 'created',
			actor: ME,
			at: gone.createdAt,
			data: {}
		});
		const created = randomUUID();
		await queue('updateRequest', { id: kept.id, comments: 'mine' });
		await queue('createRequest', { id: created, recipientName: 'new here' });
		await queue('closeRequest', { id: goneWithChange.id });

		const keptNow = { ...kept, recipientName: 'kept, renamed', version: 9 };
		await applyPull(db, page({ reset: true, changes: [keptNow], cursor: '9.1' }), ctx);

		expect((await db.base.toArray()).map((r) => r.id)).toEqual([kept.id]);
		const rows = await db.requests.toArray();
		expect(rows.map((r) => r.id).sort()).toEqual([kept.id, created].sort());
		expect(await db.requests.get(kept.id)).toMatchObject({
			recipientName: 'kept, renamed',
			comments: 'mine',
			pending: 1,
			unsynced: false
		});
		expect(await db.requests.get(created)).toMatchObject({
			recipientName: 'new here',
			pending: 1,
			unsynced: true
		});
		expect(await db.events.count()).toBe(0);
		// The change to the request that left the view stays queued for the server to judge.
		expect(await outboxIds()).toEqual([1, 2, 3]);
	});
});

describe('mergePullPages', () => {
	/** Everything a device holds that a pull writes. */
	async function stored(target: BeckonDB) {
		const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
		return {
			base: (await target.base.toArray()).sort(byId),
			requests: (await target.requests.toArray()).sort(byId),
			outbox: await target.outbox.toArray(),
			cursor: await target.getMeta('cursor')
		};
	}

	it('stores consecutive pages in one go exactly as one page after another would', async () => {
		const a = fromServer({ recipientName: 'a', version: 1 });
		const b = fromServer({ recipientName: 'b', version: 2 });
		const c = fromServer({ recipientName: 'c', version: 3 });
		const d = fromServer({ recipientName: 'd', version: 4 });
		const pages = [
			page({ changes: [a, b, c], cursor: '3.0', more: true, lastMutationId: 0 }),
			// b leaves the view; a changes again; d arrives.
			page({
				changes: [{ ...a, recipientName: 'a, renamed', version: 5 }, d],
				deleted: [b.id],
				cursor: '5.0',
				more: true
			}),
			// b comes back; c leaves.
			page({
				changes: [{ ...b, recipientName: 'b, back', version: 7 }],
				deleted: [c.id],
				cursor: '7.0',
				more: false,
				lastMutationId: 1
			})
		];
		// Both devices hold d already, with a change of it pending.
		const oneByOne = new BeckonDB('test-' + randomUUID());
		for (const target of [db, oneByOne]) {
			await applyPull(target, page({ changes: [{ ...d, version: 0 }], cursor: '0.0' }), ctx);
			const change = { name: 'updateRequest', args: { id: d.id, comments: 'pending here' } };
			await queueMutation(target, change as Mutation, ctx);
		}
		try {
			for (const p of pages) await applyPull(oneByOne, p, ctx);
			await applyPull(db, mergePullPages(pages), ctx);
			expect(await stored(db)).toEqual(await stored(oneByOne));
		} finally {
			await oneByOne.delete();
		}
		expect((await db.base.toArray()).map((r) => r.recipientName).sort()).toEqual([
			'a, renamed',
			'b, back',
			'd'
		]);
		// Acknowledged by the last page: the pending change left with it.
		expect(await db.outbox.count()).toBe(0);
		expect(await db.getMeta('cursor')).toBe('7.0');
		expect(mergePullPages(pages)).toMatchObject({ more: false, lastMutationId: 1, reset: false });
	});

	it('drops the pages before one that starts over', () => {
		const before = fromServer({ recipientName: 'before' });
		const after = fromServer({ recipientName: 'after' });
		const merged = mergePullPages([
			page({ changes: [before], deleted: ['x'], cursor: '4.0', more: true }),
			page({ reset: true, changes: [after], cursor: '2.1', more: true }),
			page({ changes: [], cursor: '3.1', more: false })
		]);
		expect(merged).toMatchObject({ reset: true, cursor: '3.1', more: false, deleted: [] });
		expect(merged.changes.map((r) => r.recipientName)).toEqual(['after']);
	});
});

describe('applyPushResults', () => {
	it("moves a rejected change to attention with the server's reason and rolls it back", async () => {
		const request = fromServer();
		await applyPull(db, page({ changes: [request] }), ctx);
		await queue('updateRequest', { id: request.id, comments: 'kept' });
		await queue('closeRequest', { id: request.id });
		const sent = await db.outbox.orderBy('id').toArray();
		const error = {
			code: 'CONFLICT' as const,
			reason: 'conflict' as const,
			message: 'Cannot close a request that is closed'
		};

		await answered(sent, [accepted(1), { id: 2, ok: false, error }]);
		expect(await db.attention.toArray()).toEqual([
			{
				mutationId: 2,
				name: 'closeRequest',
				args: { id: request.id },
				requestId: request.id,
				recipientName: 'Ada Lovelace',
				error,
				at: expect.any(String)
			}
		]);
		// The accepted change waits for the pull; the rejected one is gone from the row.
		expect(await outboxIds()).toEqual([1]);
		expect(await db.requests.get(request.id)).toMatchObject({
			status: 'open',
			closedReason: null,
			comments: 'kept',
			pending: 1
		});

		// The same answers again (a retried push): nothing more happens.
		await answered(sent, [accepted(1), { id: 2, ok: false, error }]);
		expect(await db.attention.count()).toBe(1);
		expect(await outboxIds()).toEqual([1]);
	});

	it("puts the row back to the server's copy when its only change is rejected", async () => {
		const request = fromServer({ assignment: { kind: 'unassigned' } });
		await applyPull(db, page({ changes: [request] }), ctx);
		await queue('takeRequest', { id: request.id });
		const sent = await db.outbox.toArray();
		await answered(sent, [refused(1, conflict('Already taken by Linus'))]);
		expect(await db.requests.get(request.id)).toEqual(shownAsSynced(request));
		expect(await db.outbox.count()).toBe(0);
		expect(await db.attention.get(1)).toMatchObject({
			error: { code: 'CONFLICT', reason: 'conflict', message: 'Already taken by Linus' }
		});
	});

	it('removes a request whose create was rejected', async () => {
		const id = randomUUID();
		await queue('createRequest', { id, recipientName: 'Grace' });
		await queue('updateRequest', { id, comments: 'x' });
		const sent = await db.outbox.toArray();
		await answered(sent, [
			refused(1, forbidden('Your permission is view only')),
			refused(2, notFound('No such session request'))
		]);
		expect(await db.requests.get(id)).toBeUndefined();
		expect(await db.outbox.count()).toBe(0);
		expect(await db.attention.toArray()).toMatchObject([
			{
				mutationId: 1,
				name: 'createRequest',
				recipientName: 'Grace',
				error: { code: 'FORBIDDEN' }
			},
			{ mutationId: 2, name: 'updateRequest', recipientName: 'Grace', error: { code: 'NOT_FOUND' } }
		]);
	});

	it('leaves everything as it is when every change was accepted', async () => {
		const id = randomUUID();
		const shown = await queue('createRequest', { id, recipientName: 'Grace' });
		await answered(await db.outbox.toArray(), [accepted(1)]);
		expect(await db.requests.get(id)).toEqual(shown);
		expect(await outboxIds()).toEqual([1]);
		expect(await db.attention.count()).toBe(0);
	});
});

describe('wipeLocalData', () => {
	it('empties every table, the client id and its mutation counter included', async () => {
		const request = fromServer();
		await applyPull(db, page({ changes: [request] }), ctx);
		await queue('closeRequest', { id: request.id });
		await answered(await db.outbox.toArray(), [refused(1, conflict('no'))]);
		await queue('updateRequest', { id: request.id, comments: 'x' });
		await db.events.put({
			id: 1,
			requestId: request.id,
			type: 'created',
			actor: ME,
			at: iso(NOW),
			data: {}
		});
		await db.queues.put({ id: randomUUID(), name: 'Tier 1', memberIds: [ME] });
		await db.users.put({
			id: ME,
			name: 'Me',
			email: 'me@example.com',
			role: 'agent',
			active: true
		});
		const clientId = randomUUID();
		await db.setMeta('clientId', clientId);
		await db.setMeta('user', { id: ME });
		await db.setMeta('settings', { organizationName: 'Acme' });
		for (const table of db.tables) expect(await table.count(), table.name).toBeGreaterThan(0);

		expect(await db.getMeta('nextMutationId')).toBe(3);

		await wipeLocalData(db);
		for (const table of db.tables) expect(await table.count(), table.name).toBe(0);
		// The next user gets a new sync client (the server binds one to one user), numbered
		// from 1 as a new client must be (see sync-roundtrip.spec.ts for the shared device).
		const id = randomUUID();
		await queue('createRequest', { id, recipientName: 'Next user' });
		expect(await outboxIds()).toEqual([1]);
	});
});

it('measures the server clock offset at each pull', async () => {
	await applyPull(db, page({ serverTime: iso(Date.now() + 10 * MINUTE) }), ctx);
	const offset = (await db.getMeta<number>('serverOffsetMs')) ?? 0;
	expect(Math.abs(offset - 10 * MINUTE)).toBeLessThan(MINUTE);
});

describe('a device that stored requests before they had a time zone', () => {
	it('reads them with none (null) after the upgrade', async () => {
		const name = 'test-' + randomUUID();
		const { timeZone: _none, ...old } = fromServer();
		// Version 1 of the store, as an older app left it.
		const before = new Dexie(name);
		before.version(1).stores(STORES_V1);
		await before.table('base').put(old);
		await before.table('requests').put(shownAsSynced(old as SessionRequest));
		before.close();

		const upgraded = new BeckonDB(name);
		try {
			expect((await upgraded.base.get(old.id))?.timeZone).toBeNull();
			expect((await upgraded.requests.get(old.id))?.timeZone).toBeNull();
		} finally {
			await upgraded.delete();
		}
	});
});
