/**
 * Pokes that carry their changes (API.md `sync.poke`, docs/api.md): for every user, the state a
 * device builds by applying the pokes' rows from its cursor is the state it builds by pulling
 * from that cursor (rows, removals, cursor), and a stream never holds a row its user may not see,
 * nor a link a view-only agent may not hold (read in the bytes the stream sent).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionRequest } from '../../src/lib/domain/types';
import { POKE_DATA } from '../../src/server/services/poke-data';
import type { ApiClient } from '../support/client';
import { makeUser, signIn, startTestServer, type TestServer } from '../support/server';
import { openStream } from '../support/sse';

type Stream = Awaited<ReturnType<typeof openStream>>;

interface Page {
	changes: SessionRequest[];
	deleted: string[];
	cursor: string;
	reset: boolean;
	more: boolean;
}

interface Poke {
	at: string;
	reason: 'connected' | 'change';
	from?: string;
	to?: string;
	changes?: SessionRequest[];
	deleted?: string[];
}

/** A device's copy: its rows by id and its cursor. */
interface Device {
	rows: Map<string, SessionRequest>;
	cursor: string;
}

function applyPage(device: Device, changes: SessionRequest[], deleted: string[], cursor: string) {
	for (const row of changes) device.rows.set(row.id, row);
	for (const id of deleted) device.rows.delete(id);
	device.cursor = cursor;
}

/** Pulls from `cursor` (page by page) onto a copy of `rows`. */
async function pullFrom(api: ApiClient, rows: Map<string, SessionRequest>, cursor: string) {
	const device: Device = { rows: new Map(rows), cursor };
	const clientId = randomUUID();
	for (;;) {
		const page: Page = await api.query('sync.pull', { clientId, cursor: device.cursor });
		expect(page.reset).toBe(false);
		applyPage(device, page.changes, page.deleted, page.cursor);
		if (!page.more) return device;
	}
}

describe('sync.poke with the changes it announces', () => {
	let server: TestServer;
	let adminApi: ApiClient;
	let memberApi: ApiClient;
	let viewerApi: ApiClient;
	let outsiderApi: ApiClient;
	let outsiderId: string;
	let queueId: string;
	const all = () =>
		[
			['admin', adminApi],
			['member', memberApi],
			['view-only member', viewerApi],
			['outsider', outsiderApi]
		] as const;

	beforeAll(async () => {
		server = await startTestServer();
		const [admin, member, viewer, outsider] = await Promise.all([
			makeUser(server.app, 'admin', 'edit'),
			makeUser(server.app, 'agent', 'edit'),
			makeUser(server.app, 'agent', 'view'),
			makeUser(server.app, 'agent', 'edit')
		]);
		outsiderId = outsider.id;
		[adminApi, memberApi, viewerApi, outsiderApi] = await Promise.all(
			[admin, member, viewer, outsider].map((user) => signIn(server, user))
		);
		queueId = (
			await adminApi.mutate('queues.create', {
				name: 'Desk',
				memberIds: [member.id, viewer.id]
			})
		).queue.id;
	});
	afterAll(() => server?.close());

	it('gives every user, poke by poke, what a pull from the same cursor gives, and nothing they may not see', async () => {
		// In the queue's view before the devices start.
		await adminApi.mutate('requests.create', {
			recipientName: 'Before',
			assignment: { kind: 'queue', queueId }
		});
		const handed = await adminApi.mutate('requests.create', {
			recipientName: 'Queue Zeta',
			assignment: { kind: 'queue', queueId }
		});
		const devices = new Map<string, { start: Device; stream: Stream }>();
		for (const [name, api] of all()) {
			const first: Page = await api.query('sync.pull', { clientId: randomUUID() });
			expect(first.more).toBe(false);
			const start: Device = { rows: new Map(), cursor: '' };
			applyPage(start, first.changes, first.deleted, first.cursor);
			const stream = await openStream(`${server.url}/api/trpc/sync.poke`, api.cookie!);
			await stream.waitFor(1, 2_000);
			devices.set(name, { start, stream });
		}
		try {
			// Queue work the members see, the outsider does not.
			const shared = await adminApi.mutate('requests.create', {
				recipientName: 'Queue Alpha',
				assignment: { kind: 'queue', queueId }
			});
			const mine = await memberApi.mutate('requests.create', {
				recipientName: 'Member Private Beta',
				assignment: { kind: 'me' }
			});
			await memberApi.mutate('requests.update', { id: shared.id, comments: 'Called back' });
			// Several in one push (one transaction, one batch).
			await memberApi.mutate('sync.push', {
				clientId: randomUUID(),
				mutations: [1, 2, 3].map((id) => ({
					id,
					name: 'createRequest',
					args: { recipientName: `Pushed Gamma ${id}`, assignment: { kind: 'queue', queueId } }
				}))
			});
			// Moved out of the queue to the outsider: the members lose it, the outsider gains it.
			await adminApi.mutate('requests.assign', {
				id: shared.id,
				assignment: { kind: 'agent', userId: outsiderId }
			});
			// Handed over by transfer: out of the queue's view too.
			await adminApi.mutate('requests.transfer', {
				id: handed.id,
				to: { kind: 'agent', userId: outsiderId }
			});
			// A close of the member's own request.
			await adminApi.mutate('requests.close', { id: mine.id });
			const hidden = await adminApi.mutate('requests.create', {
				recipientName: 'Admin Only Delta',
				assignment: { kind: 'me' }
			});

			// The admin sees every change: once their newest poke ends where a pull ends, every
			// batch has been announced (to all streams at once).
			const everything: Page = await adminApi.query('sync.pull', { clientId: randomUUID() });
			expect(everything.more).toBe(false);
			const newest = everything.cursor;
			const adminStream = devices.get('admin')!.stream;
			await expect
				.poll(() => (adminStream.messages.at(-1) as Poke).to, { timeout: 5_000 })
				.toBe(newest);
			await new Promise((resolve) => setTimeout(resolve, 200));

			for (const [name, api] of all()) {
				const { start, stream } = devices.get(name)!;
				const pokes = stream.messages.slice(1) as Poke[];
				expect(pokes.length, name).toBeGreaterThan(0);
				// Every poke holds its changes, and each range follows on from the one before.
				const device: Device = { rows: new Map(start.rows), cursor: start.cursor };
				for (const poke of pokes) {
					expect(poke, name).toMatchObject({ reason: 'change', from: device.cursor });
					applyPage(device, poke.changes!, poke.deleted!, poke.to!);
				}
				// The same rows as a pull from the same start, and nothing left for the pokes' cursor
				// (which stops at the last change the user may see; a pull's goes past the others).
				const pulled = await pullFrom(api, start.rows, start.cursor);
				expect(Object.fromEntries(device.rows), name).toEqual(Object.fromEntries(pulled.rows));
				const rest: Page = await api.query('sync.pull', {
					clientId: randomUUID(),
					cursor: device.cursor
				});
				expect(rest, name).toMatchObject({ changes: [], deleted: [], reset: false, more: false });
				if (name === 'admin') expect(device.cursor).toBe(pulled.cursor);

				const bytes = stream.raw.join('\n');
				if (name === 'outsider') {
					// Never saw the queue's or the member's requests, until Alpha was assigned to them.
					expect(bytes).not.toContain('Member Private Beta');
					expect(bytes).not.toContain('Pushed Gamma');
					expect(bytes).not.toContain('"recipientName":"Before"');
					expect(device.rows.get(shared.id)?.assignment).toEqual({
						kind: 'agent',
						userId: outsiderId
					});
				} else if (name !== 'admin') {
					// The queue's members: Alpha left their view, listed as removed.
					expect(
						pokes.some((p) => p.deleted!.includes(shared.id)),
						name
					).toBe(true);
					expect(device.rows.has(shared.id), name).toBe(false);
					expect(device.rows.has(handed.id), name).toBe(false);
				}
				if (name !== 'admin') expect(bytes, name).not.toContain('Admin Only Delta');
				if (name === 'view-only member') {
					// Rows without their link: the end user's credential goes to those who may act.
					expect(bytes).not.toContain('/s/');
					expect(bytes).toContain('Pushed Gamma 1');
				} else if (name === 'member') {
					expect(bytes).toContain('/s/');
				}
				if (name === 'admin')
					expect(device.rows.get(hidden.id)?.recipientName).toBe(hidden.recipientName);
				// The member's own request, closed by the admin: only they and the admin hold it.
				expect(device.rows.get(mine.id)?.status, name).toBe(
					name === 'admin' || name === 'member' ? 'closed' : undefined
				);
			}
		} finally {
			for (const { stream } of devices.values()) await stream.close();
		}
	});

	it('sends a plain poke for a batch whose rows exceed the limit, and rows again after it', async () => {
		const stream = await openStream(`${server.url}/api/trpc/sync.poke`, memberApi.cookie!);
		const saved = POKE_DATA.maxBytes;
		try {
			await stream.waitFor(1, 2_000);
			// Ten requests of about 700 bytes each: over a 2,000-byte limit.
			POKE_DATA.maxBytes = 2_000;
			await adminApi.mutate('sync.push', {
				clientId: randomUUID(),
				mutations: Array.from({ length: 10 }, (_, i) => ({
					id: i + 1,
					name: 'createRequest',
					args: { recipientName: `Sweep ${i}`, assignment: { kind: 'queue', queueId } }
				}))
			});
			expect(await stream.waitFor(2, 2_000)).toEqual({ at: expect.any(String), reason: 'change' });
			const one = await adminApi.mutate('requests.create', {
				recipientName: 'Small',
				assignment: { kind: 'queue', queueId }
			});
			const poke = (await stream.waitFor(3, 2_000)) as Poke;
			expect(poke.changes!.map((r) => r.id)).toEqual([one.id]);
			expect(Buffer.byteLength(stream.raw.at(-1)!)).toBeLessThan(2_000 + 200);
		} finally {
			POKE_DATA.maxBytes = saved;
			await stream.close();
		}
	});
});
