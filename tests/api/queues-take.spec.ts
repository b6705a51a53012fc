/**
 * Queues and `requests.take` over HTTP (DESIGN.md §1, "Queues and assignment"): members see and
 * take queued requests, others do not see them, and of agents taking at once exactly one wins
 * while the others are told who did.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, ApiError, expectApiError } from '../support/client';
import { makeUser, signIn, startTestServer, type TestServer } from '../support/server';

type User = Awaited<ReturnType<typeof makeUser>>;

const RACERS = 5;

describe('queues and take', () => {
	let server: TestServer;
	let admin: User;
	let members: User[];
	let outsider: User;
	let viewer: User;
	let adminApi: ApiClient;
	let memberApis: ApiClient[];
	let outsiderApi: ApiClient;
	let viewerApi: ApiClient;
	let queueId: string;

	beforeAll(async () => {
		server = await startTestServer();
		[admin, outsider, viewer, ...members] = await Promise.all([
			makeUser(server.app, 'admin', 'edit'),
			makeUser(server.app, 'agent', 'edit'),
			makeUser(server.app, 'agent', 'view'),
			...Array.from({ length: RACERS }, () => makeUser(server.app, 'agent', 'edit'))
		]);
		[adminApi, outsiderApi, viewerApi, ...memberApis] = await Promise.all(
			[admin, outsider, viewer, ...members].map((user) => signIn(server, user))
		);
		const { queue } = await adminApi.mutate('queues.create', {
			name: 'Tier 1',
			memberIds: [...members, viewer].map((m) => m.id)
		});
		queueId = queue.id;
	});
	afterAll(() => server?.close());

	const queued = () =>
		adminApi.mutate('requests.create', {
			recipientName: 'Queued customer',
			assignment: { kind: 'queue', queueId }
		});
	const listIds = async (client: ApiClient) =>
		(await client.query('requests.list', {})).items.map((r: { id: string }) => r.id);

	it('lets a queue member see and take a queued request', async () => {
		const request = await queued();
		expect(request.assignment).toEqual({ kind: 'queue', queueId });
		const [taker, colleague] = memberApis;
		expect(await listIds(taker)).toContain(request.id);
		expect((await taker.query('requests.get', { id: request.id })).id).toBe(request.id);

		const taken = await taker.mutate('requests.take', { id: request.id });
		expect(taken.assignment).toEqual({ kind: 'agent', userId: members[0].id });
		expect(taken.status).toBe('open');
		expect(taken.version).toBeGreaterThan(request.version);
		const after = await adminApi.query('requests.get', { id: request.id });
		expect(after.events.at(-1)).toMatchObject({
			type: 'taken',
			actor: members[0].id,
			data: { from: { kind: 'queue', queueId } }
		});

		// Taken requests leave the queue: the colleague no longer sees it.
		expect(await listIds(colleague)).not.toContain(request.id);
		const again = await expectApiError(
			taker.mutate('requests.take', { id: request.id }),
			'CONFLICT'
		);
		expect(again.body.message).toBe('Already taken by you');
	});

	it('hides a queued request from non-members, who cannot take it (NOT_FOUND)', async () => {
		const request = await queued();
		expect(await listIds(outsiderApi)).not.toContain(request.id);
		await expectApiError(outsiderApi.query('requests.get', { id: request.id }), 'NOT_FOUND');
		await expectApiError(outsiderApi.mutate('requests.take', { id: request.id }), 'NOT_FOUND');
		// A view-only member sees it but may not take it.
		expect(await listIds(viewerApi)).toContain(request.id);
		await expectApiError(viewerApi.mutate('requests.take', { id: request.id }), 'FORBIDDEN');
		const after = await adminApi.query('requests.get', { id: request.id });
		expect(after.assignment).toEqual({ kind: 'queue', queueId });
		expect(after.events.map((e: { type: string }) => e.type)).toEqual(['created']);
	});

	it.each([1, 2, 3])(
		'of %#: five members taking at once, exactly one wins; the others hear who',
		async () => {
			const request = await queued();
			const outcomes = await Promise.allSettled(
				memberApis.map((client) => client.mutate('requests.take', { id: request.id }))
			);
			const winners = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
			expect(winners).toHaveLength(1);
			const winner = members[winners[0]];
			const won = (outcomes[winners[0]] as PromiseFulfilledResult<any>).value;
			expect(won.assignment).toEqual({ kind: 'agent', userId: winner.id });

			for (const outcome of outcomes) {
				if (outcome.status === 'fulfilled') continue;
				const error = outcome.reason;
				expect(error).toBeInstanceOf(ApiError);
				expect((error as ApiError).code).toBe('CONFLICT');
				expect((error as ApiError).body.message).toBe(`Already taken by ${winner.name}`);
			}

			const after = await adminApi.query('requests.get', { id: request.id });
			expect(after.assignment).toEqual({ kind: 'agent', userId: winner.id });
			const taken = after.events.filter((e: { type: string }) => e.type === 'taken');
			expect(taken).toHaveLength(1);
			expect(taken[0].actor).toBe(winner.id);
		}
	);
});
