/**
 * Fallback when an agent leaves (issue 21, item 1), over HTTP: deactivating an agent, taking
 * them below edit, or removing them from a queue moves their open, waiting and ready requests to
 * the queue each last came from, else the organisation's fallback queue, else unassigned — with
 * a `fallback` event naming why; the end user's link keeps working, and a session the
 * deactivated agent was running ends at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, expectApiError } from '../support/client';
import { makeUser, signIn, startTestServer, type TestServer } from '../support/server';

type User = Awaited<ReturnType<typeof makeUser>>;
const tokenOf = (link: string) => link.slice(link.lastIndexOf('/s/') + 3);

describe('fallback when an agent leaves', () => {
	let server: TestServer;
	let admin: User;
	let adminApi: ApiClient;
	let colleague: User;
	let colleagueApi: ApiClient;
	let tier1: string;
	let fallbackQueue: string;

	/** An agent with edit permission, signed in, in `queueIds`. */
	async function agentIn(queueIds: string[]) {
		const agent = await makeUser(server.app, 'agent', 'edit');
		for (const id of queueIds) {
			const queues = await adminApi.query('queues.list');
			const queue = queues.find((q: { id: string }) => q.id === id);
			await adminApi.mutate('queues.update', { id, memberIds: [...queue.memberIds, agent.id] });
		}
		return { agent, api: await signIn(server, agent) };
	}

	const createFor = (assignment: unknown, name = 'Customer') =>
		adminApi.mutate('requests.create', { recipientName: name, assignment });
	const get = (id: string) => adminApi.query('requests.get', { id });

	beforeAll(async () => {
		server = await startTestServer();
		[admin, colleague] = await Promise.all([
			makeUser(server.app, 'admin', 'edit'),
			makeUser(server.app, 'agent', 'edit')
		]);
		[adminApi, colleagueApi] = await Promise.all([
			signIn(server, admin),
			signIn(server, colleague)
		]);
		tier1 = (await adminApi.mutate('queues.create', { name: 'Tier 1', memberIds: [colleague.id] }))
			.queue.id;
		fallbackQueue = (
			await adminApi.mutate('queues.create', { name: 'Fallback', memberIds: [colleague.id] })
		).queue.id;
	});
	afterAll(() => server?.close());

	it('deactivating an agent moves their live requests: last queue, else unassigned', async () => {
		const { agent, api } = await agentIn([tier1]);
		// Came from Tier 1 (taken there), and assigned straight to the agent (no queue ever).
		const queued = await createFor({ kind: 'queue', queueId: tier1 }, 'From the queue');
		await api.mutate('requests.take', { id: queued.id });
		const direct = await createFor({ kind: 'agent', userId: agent.id }, 'Direct');
		// Waiting: the end user has opened the link.
		const endUser = new ApiClient(server.url);
		const token = tokenOf(direct.link);
		await endUser.mutate('link.open', { token });
		const closed = await createFor({ kind: 'agent', userId: agent.id }, 'Done');
		await adminApi.mutate('requests.close', { id: closed.id });

		await adminApi.mutate('users.update', { id: agent.id, active: false });

		const movedQueued = await get(queued.id);
		expect(movedQueued.assignment).toEqual({ kind: 'queue', queueId: tier1 });
		expect(movedQueued.status).toBe('open');
		expect(movedQueued.events.at(-1)).toMatchObject({
			type: 'fallback',
			actor: admin.id,
			data: {
				from: { kind: 'agent', userId: agent.id },
				to: { kind: 'queue', queueId: tier1 },
				reason: 'deactivated',
				via: 'last_queue'
			}
		});
		const movedDirect = await get(direct.id);
		expect(movedDirect.assignment).toEqual({ kind: 'unassigned' });
		expect(movedDirect.status).toBe('waiting');
		expect(movedDirect.events.at(-1).data).toMatchObject({
			reason: 'deactivated',
			via: 'unassigned'
		});
		// The end user's link is the same link and still works.
		expect(movedDirect.link).toBe(direct.link);
		expect((await endUser.query('link.get', { token })).status).toBe('waiting');
		// A closed request stays as it was.
		const stillClosed = await get(closed.id);
		expect(stillClosed.assignment).toEqual({ kind: 'agent', userId: agent.id });
		expect(stillClosed.events.map((e: { type: string }) => e.type)).not.toContain('fallback');
		// The queue's members now see (and can take) what fell back to it.
		const listed = await colleagueApi.query('requests.list', {});
		expect(listed.items.map((r: { id: string }) => r.id)).toContain(queued.id);
		await colleagueApi.mutate('requests.take', { id: queued.id });
	});

	it('uses the organisation’s fallback queue when a request has no last queue', async () => {
		await expectApiError(
			adminApi.mutate('settings.update', { fallbackQueueId: crypto.randomUUID() }),
			'BAD_REQUEST',
			'invalid'
		);
		const settings = await adminApi.mutate('settings.update', { fallbackQueueId: fallbackQueue });
		expect(settings.fallbackQueueId).toBe(fallbackQueue);
		try {
			const { agent } = await agentIn([]);
			const direct = await createFor({ kind: 'agent', userId: agent.id });
			const queued = await createFor({ kind: 'queue', queueId: tier1 });
			await adminApi.mutate('requests.assign', {
				id: queued.id,
				assignment: { kind: 'agent', userId: agent.id }
			});

			await adminApi.mutate('users.update', { id: agent.id, active: false });

			const movedDirect = await get(direct.id);
			expect(movedDirect.assignment).toEqual({ kind: 'queue', queueId: fallbackQueue });
			expect(movedDirect.events.at(-1).data).toMatchObject({ via: 'fallback_queue' });
			// A last queue still comes first.
			const movedQueued = await get(queued.id);
			expect(movedQueued.assignment).toEqual({ kind: 'queue', queueId: tier1 });
			expect(movedQueued.events.at(-1).data).toMatchObject({ via: 'last_queue' });
		} finally {
			await adminApi.mutate('settings.update', { fallbackQueueId: null });
		}
		expect((await adminApi.query('settings.get')).fallbackQueueId).toBeNull();
	});

	it('ends a running session of a deactivated agent at once; the link keeps working', async () => {
		const { agent, api } = await agentIn([]);
		const request = await createFor({ kind: 'agent', userId: agent.id }, 'In session');
		const endUser = new ApiClient(server.url);
		endUser.sessionKeys = new Map();
		const token = tokenOf(request.link);
		await endUser.mutate('link.open', { token });
		await api.mutate('requests.requestConnect', { id: request.id });
		await endUser.mutate('link.respond', { token, decision: 'allow' });
		expect((await api.mutate('requests.start', { id: request.id })).status).toBe('connected');

		await adminApi.mutate('users.update', { id: agent.id, active: false });

		const after = await get(request.id);
		expect(after.status).toBe('waiting');
		expect(after.connectRequested).toBe(false);
		expect(after.assignment).toEqual({ kind: 'unassigned' });
		expect(after.events.at(-1)).toMatchObject({
			type: 'fallback',
			data: { reason: 'deactivated', via: 'unassigned', sessionEnded: true }
		});
		// The end user's page sees the session over (its capture stops) and waits for the next agent.
		const view = await endUser.query('link.get', { token });
		expect(view.status).toBe('waiting');
		// The deactivated agent can no longer reach the session.
		await expectApiError(api.query('requests.session', { id: request.id }), 'UNAUTHORIZED');
		// Whoever helps next asks the end user again.
		await colleagueApi.mutate('requests.take', { id: request.id });
		await colleagueApi.mutate('requests.requestConnect', { id: request.id });
		expect((await endUser.query('link.get', { token })).connectRequested).toBe(true);
	});

	it('taking an agent below edit moves their requests (role or permission)', async () => {
		const { agent } = await agentIn([tier1]);
		const queued = await createFor({ kind: 'queue', queueId: tier1 });
		await adminApi.mutate('requests.assign', {
			id: queued.id,
			assignment: { kind: 'agent', userId: agent.id }
		});
		// A change that keeps edit moves nothing.
		await adminApi.mutate('users.update', { id: agent.id, name: 'Renamed agent' });
		expect((await get(queued.id)).assignment).toEqual({ kind: 'agent', userId: agent.id });

		await adminApi.mutate('users.update', { id: agent.id, permission: 'view' });
		const moved = await get(queued.id);
		expect(moved.assignment).toEqual({ kind: 'queue', queueId: tier1 });
		expect(moved.events.at(-1)).toMatchObject({
			type: 'fallback',
			data: { reason: 'downgraded', via: 'last_queue' }
		});

		// An admin made an agent with view only loses edit too.
		const demoted = await makeUser(server.app, 'admin', 'view');
		const held = await createFor({ kind: 'agent', userId: demoted.id });
		await adminApi.mutate('users.update', { id: demoted.id, role: 'agent' });
		const heldAfter = await get(held.id);
		expect(heldAfter.assignment).toEqual({ kind: 'unassigned' });
		expect(heldAfter.events.at(-1).data).toMatchObject({ reason: 'downgraded' });
	});

	it('removing an agent from a queue returns what they took from it, and only that', async () => {
		const tier2 = (await adminApi.mutate('queues.create', { name: 'Tier 2', memberIds: [] })).queue
			.id;
		const { agent, api } = await agentIn([tier1, tier2]);
		const fromTier1 = await createFor({ kind: 'queue', queueId: tier1 });
		const fromTier2 = await createFor({ kind: 'queue', queueId: tier2 });
		await api.mutate('requests.take', { id: fromTier1.id });
		await api.mutate('requests.take', { id: fromTier2.id });
		const direct = await createFor({ kind: 'agent', userId: agent.id });

		const queue = (await adminApi.query('queues.list')).find((q: { id: string }) => q.id === tier1);
		await adminApi.mutate('queues.update', {
			id: tier1,
			memberIds: queue.memberIds.filter((id: string) => id !== agent.id)
		});

		const back = await get(fromTier1.id);
		expect(back.assignment).toEqual({ kind: 'queue', queueId: tier1 });
		expect(back.events.at(-1)).toMatchObject({
			type: 'fallback',
			actor: admin.id,
			data: { reason: 'left_queue', via: 'last_queue' }
		});
		expect((await get(fromTier2.id)).assignment).toEqual({ kind: 'agent', userId: agent.id });
		expect((await get(direct.id)).assignment).toEqual({ kind: 'agent', userId: agent.id });
	});
});
