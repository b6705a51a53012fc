/**
 * The poke scheduler (trpc/poke-scheduler.ts): streams whose users see the same changes the same
 * way get the very same bytes, built once; a user with another view gets only theirs; a stream
 * waiting out its pacing gap gets one poke covering every change made meanwhile, its ranges
 * following on; a stream that hangs up leaves the scheduler; tRPC's own `sync.poke` generator
 * is served by the same scheduler.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POKE_PACING, pokes } from '../../src/server/trpc/routers/sync';
import { pokeSchedulerOf } from '../../src/server/trpc/poke-scheduler';
import type { ApiClient } from '../support/client';
import { makeUser, signIn, startTestServer, type TestServer } from '../support/server';
import { openStream } from '../support/sse';

type Stream = Awaited<ReturnType<typeof openStream>>;

interface Poke {
	reason: string;
	from?: string;
	to?: string;
	changes?: { id: string; recipientName: string; link: string | null }[];
	deleted?: string[];
}

/** The `data` blocks of a stream after its `connected` poke, as sent. */
const dataBlocks = (stream: Stream) =>
	stream.raw
		.map((block) => block.trim())
		.filter((block) => block.startsWith('data:'))
		.slice(1);

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (up to two seconds) for the scheduler to serve `count` streams: hang-ups land late. */
async function servedStreams(server: TestServer, count: number) {
	const scheduler = pokeSchedulerOf(server.app);
	const deadline = Date.now() + 2_000;
	while (scheduler.size !== count && Date.now() < deadline) await settle(10);
	return scheduler.size;
}

describe('poke scheduler', () => {
	let server: TestServer;
	let adminApi: ApiClient;
	let memberApis: ApiClient[];
	let viewerApi: ApiClient;
	let outsiderApi: ApiClient;
	let outsiderId: string;
	let queueId: string;
	const open = async (api: ApiClient) => {
		const stream = await openStream(`${server.url}/api/trpc/sync.poke`, api.cookie!);
		await stream.waitFor(1, 2_000);
		return stream;
	};

	beforeAll(async () => {
		server = await startTestServer();
		const [admin, memberA, memberB, memberC, viewer, outsider] = await Promise.all([
			makeUser(server.app, 'admin', 'edit'),
			makeUser(server.app, 'agent', 'edit'),
			makeUser(server.app, 'agent', 'edit'),
			makeUser(server.app, 'agent', 'edit'),
			makeUser(server.app, 'agent', 'view'),
			makeUser(server.app, 'agent', 'edit')
		]);
		outsiderId = outsider.id;
		[adminApi, viewerApi, outsiderApi, ...memberApis] = await Promise.all(
			[admin, viewer, outsider, memberA, memberB, memberC].map((user) => signIn(server, user))
		);
		queueId = (
			await adminApi.mutate('queues.create', {
				name: 'Shared desk',
				memberIds: [memberA.id, memberB.id, memberC.id, viewer.id]
			})
		).queue.id;
	});
	afterAll(() => server?.close());

	it('writes the same bytes to every stream whose user sees the same, built once, and each other view only its own', async () => {
		const members = await Promise.all(memberApis.map(open));
		const viewer = await open(viewerApi);
		const outsider = await open(outsiderApi);
		const { stats } = pokeSchedulerOf(server.app);
		try {
			const built = stats.pokesBuilt;
			const sent = stats.pokesSent;
			const queued = await adminApi.mutate('requests.create', {
				recipientName: 'Shared Alpha',
				assignment: { kind: 'queue', queueId }
			});
			await Promise.all([...members, viewer].map((stream) => stream.waitFor(2, 2_000)));
			// Three members with one view: one poke for them, one for the view-only member.
			expect(stats.pokesBuilt - built).toBe(2);
			expect(stats.pokesSent - sent).toBe(4);
			const [first, ...others] = members.map(dataBlocks);
			expect(first).toHaveLength(1);
			for (const blocks of others) expect(blocks).toEqual(first);
			const poke = members[0].messages[1] as Poke;
			expect(poke.changes!.map((row) => row.id)).toEqual([queued.id]);
			expect(poke.changes![0].link).not.toBeNull();
			// The view-only member: the same row without its link.
			const viewed = viewer.messages[1] as Poke;
			expect(viewed.changes!.map((row) => row.id)).toEqual([queued.id]);
			expect(viewed.changes![0].link).toBeNull();
			expect(dataBlocks(viewer)[0]).not.toContain(poke.changes![0].link);

			// Assigned to the outsider: only their stream hears of it, with a poke of their own.
			const theirs = await adminApi.mutate('requests.create', {
				recipientName: 'Outsider Beta',
				assignment: { kind: 'agent', userId: outsiderId }
			});
			const told = (await outsider.waitFor(2, 2_000)) as Poke;
			expect(told.changes!.map((row) => row.id)).toEqual([theirs.id]);
			await settle(100);
			for (const stream of [...members, viewer]) {
				expect(stream.messages).toHaveLength(2);
				expect(stream.raw.join('\n')).not.toContain('Outsider Beta');
			}
			expect(outsider.raw.join('\n')).not.toContain('Shared Alpha');
		} finally {
			await Promise.all([...members, viewer, outsider].map((stream) => stream.close()));
		}
	});

	it('gives a stream waiting out its gap one poke for all the changes made meanwhile, each range following on from the last', async () => {
		const saved = { ...POKE_PACING };
		// 150 ms between two pokes on a stream, whatever the streams open.
		POKE_PACING.pokesPerSecond = 1;
		POKE_PACING.dataPokesPerSecond = 1;
		POKE_PACING.maxGapMs = 150;
		const streams = await Promise.all([memberApis[0], viewerApi].map(open));
		try {
			const ids: string[] = [];
			for (let i = 0; i < 12; i++) {
				const made = await adminApi.mutate('requests.create', {
					recipientName: `Steady ${i}`,
					assignment: { kind: 'queue', queueId }
				});
				ids.push(made.id);
			}
			const deadline = Date.now() + 3_000;
			for (const stream of streams) {
				const carried = () =>
					(stream.messages.slice(1) as Poke[]).flatMap((p) => p.changes!.map((row) => row.id));
				while (carried().length < ids.length && Date.now() < deadline) await settle(20);
				const changePokes = stream.messages.slice(1) as Poke[];
				// The first change at once, the rest gathered behind the gap.
				expect(changePokes.length).toBeGreaterThanOrEqual(2);
				expect(changePokes.length).toBeLessThan(ids.length);
				expect(carried()).toEqual(ids);
				changePokes.slice(1).forEach((p, i) => expect(p.from).toBe(changePokes[i].to));
			}
		} finally {
			Object.assign(POKE_PACING, saved);
			await Promise.all(streams.map((stream) => stream.close()));
		}
	});

	it('drops a stream whose client hung up, and serves only those still open', async () => {
		const scheduler = pokeSchedulerOf(server.app);
		// The earlier tests' streams are closed: none is left.
		expect(await servedStreams(server, 0)).toBe(0);
		const streams = await Promise.all(memberApis.map(open));
		try {
			expect(scheduler.size).toBe(3);
			await streams[0].close();
			expect(await servedStreams(server, 2)).toBe(2);
			const sent = scheduler.stats.pokesSent;
			await adminApi.mutate('requests.create', {
				recipientName: 'After hang-up',
				assignment: { kind: 'queue', queueId }
			});
			await Promise.all(streams.slice(1).map((stream) => stream.waitFor(2, 2_000)));
			expect(scheduler.stats.pokesSent - sent).toBe(2);
		} finally {
			await Promise.all(streams.slice(1).map((stream) => stream.close()));
		}
		expect(await servedStreams(server, 0)).toBe(0);
	});

	it("serves tRPC's own subscription generator from the same scheduler, and ends it when the client stops", async () => {
		const { user: member } = (await memberApis[0].query('auth.me')) as { user: { id: string } };
		const scheduler = pokeSchedulerOf(server.app);
		const before = await servedStreams(server, 0);
		const controller = new AbortController();
		const stream = pokes(server.app, member.id, controller.signal);
		expect((await stream.next()).value).toMatchObject({ reason: 'connected' });
		expect(scheduler.size).toBe(before + 1);
		const made = await adminApi.mutate('requests.create', {
			recipientName: 'Through tRPC',
			assignment: { kind: 'queue', queueId }
		});
		const { value } = await stream.next();
		expect((value as Poke).changes!.map((row) => row.id)).toEqual([made.id]);
		controller.abort();
		expect((await stream.next()).done).toBe(true);
		expect(scheduler.size).toBe(before);
	});
});
