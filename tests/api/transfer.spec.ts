/**
 * Transfer (issue 21, item 2), over HTTP: the holder of a request, or an admin, hands it to an
 * agent or a queue with an optional note, in open, waiting and ready; the receiver is checked
 * when the change is applied, so a transfer made offline to an agent deactivated meanwhile is
 * refused when it syncs (and the refusal is kept for a repeated push).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMutation } from '../../src/lib/sync/mutators';
import { ApiClient, expectApiError } from '../support/client';
import { makeUser, signIn, startTestServer, type TestServer } from '../support/server';

type User = Awaited<ReturnType<typeof makeUser>>;
const tokenOf = (link: string) => link.slice(link.lastIndexOf('/s/') + 3);

describe('requests.transfer', () => {
	let server: TestServer;
	let admin: User;
	let holder: User;
	let receiver: User;
	let outsider: User;
	let viewer: User;
	let adminApi: ApiClient;
	let holderApi: ApiClient;
	let receiverApi: ApiClient;
	let outsiderApi: ApiClient;
	let queueId: string;

	beforeAll(async () => {
		server = await startTestServer();
		[admin, holder, receiver, outsider, viewer] = await Promise.all([
			makeUser(server.app, 'admin', 'edit'),
			makeUser(server.app, 'agent', 'edit'),
			makeUser(server.app, 'agent', 'edit'),
			makeUser(server.app, 'agent', 'edit'),
			makeUser(server.app, 'agent', 'view')
		]);
		[adminApi, holderApi, receiverApi, outsiderApi] = await Promise.all(
			[admin, holder, receiver, outsider].map((user) => signIn(server, user))
		);
		queueId = (await adminApi.mutate('queues.create', { name: 'Tier 2', memberIds: [receiver.id] }))
			.queue.id;
	});
	afterAll(() => server?.close());

	const held = (name = 'Customer') =>
		adminApi.mutate('requests.create', {
			recipientName: name,
			assignment: { kind: 'agent', userId: holder.id }
		});

	it('hands a request to an agent with a note: timeline, receiver, email, same link', async () => {
		const request = await held('Ada');
		const moved = await holderApi.mutate('requests.transfer', {
			id: request.id,
			to: { kind: 'agent', userId: receiver.id },
			note: '  Printer driver: she tried reinstalling already.  '
		});
		expect(moved.assignment).toEqual({ kind: 'agent', userId: receiver.id });
		expect(moved.status).toBe('open');
		expect(moved.link).toBe(request.link);

		// The receiver sees it, with the note on the timeline.
		const seen = await receiverApi.query('requests.get', { id: request.id });
		expect(seen.events.at(-1)).toEqual(
			expect.objectContaining({
				type: 'transferred',
				actor: holder.id,
				data: {
					from: { kind: 'agent', userId: holder.id },
					to: { kind: 'agent', userId: receiver.id },
					note: 'Printer driver: she tried reinstalling already.'
				}
			})
		);
		// …and is told as for any assignment by someone else.
		const outbox = await adminApi.query('mail.outbox');
		const notice = outbox.find(
			(m: { requestId: string; kind: string; recipient: string }) =>
				m.requestId === request.id && m.kind === 'assigned' && m.recipient === receiver.email
		);
		expect(notice.text).toContain('Note from whoever handed it to you');
		expect(notice.text).toContain('Printer driver: she tried reinstalling already.');
		// The former holder no longer sees it (it is neither theirs nor theirs to see).
		await expectApiError(
			holderApi.mutate('requests.transfer', {
				id: request.id,
				to: { kind: 'queue', queueId }
			}),
			'NOT_FOUND'
		);
	});

	it('hands a request to a queue, whose members can then take it', async () => {
		const request = await held();
		const moved = await holderApi.mutate('requests.transfer', {
			id: request.id,
			to: { kind: 'queue', queueId }
		});
		expect(moved.assignment).toEqual({ kind: 'queue', queueId });
		const got = await adminApi.query('requests.get', { id: request.id });
		expect(got.events.at(-1).data).toEqual({
			from: { kind: 'agent', userId: holder.id },
			to: { kind: 'queue', queueId }
		});
		// Members of the queue hold it now: one may hand it on, an outsider may not.
		await expectApiError(
			outsiderApi.mutate('requests.transfer', {
				id: request.id,
				to: { kind: 'agent', userId: outsider.id }
			}),
			'NOT_FOUND'
		);
		const back = await receiverApi.mutate('requests.transfer', {
			id: request.id,
			to: { kind: 'agent', userId: holder.id }
		});
		expect(back.assignment).toEqual({ kind: 'agent', userId: holder.id });
	});

	it('is for the holder or an admin, in open, waiting and ready only', async () => {
		const request = await held();
		// An agent who sees it (they created it) but does not hold it.
		const theirs = await outsiderApi.mutate('requests.create', {
			recipientName: 'Created by outsider',
			assignment: { kind: 'agent', userId: holder.id }
		});
		await expectApiError(
			outsiderApi.mutate('requests.transfer', {
				id: theirs.id,
				to: { kind: 'agent', userId: outsider.id }
			}),
			'FORBIDDEN',
			'forbidden'
		);
		// An admin may hand anyone's request on.
		const byAdmin = await adminApi.mutate('requests.transfer', {
			id: theirs.id,
			to: { kind: 'agent', userId: outsider.id }
		});
		expect(byAdmin.assignment).toEqual({ kind: 'agent', userId: outsider.id });

		// Waiting and ready: allowed. Connected: refused, naming the status.
		const endUser = new ApiClient(server.url);
		endUser.sessionKeys = new Map();
		const token = tokenOf(request.link);
		await endUser.mutate('link.open', { token });
		await holderApi.mutate('requests.requestConnect', { id: request.id });
		await endUser.mutate('link.respond', { token, decision: 'allow' });
		const ready = await holderApi.mutate('requests.transfer', {
			id: request.id,
			to: { kind: 'agent', userId: receiver.id }
		});
		expect(ready.status).toBe('ready');
		await receiverApi.mutate('requests.start', { id: request.id });
		const connected = await expectApiError(
			receiverApi.mutate('requests.transfer', {
				id: request.id,
				to: { kind: 'agent', userId: holder.id }
			}),
			'CONFLICT',
			'conflict'
		);
		expect(connected.message).toContain('connected');
		await receiverApi.mutate('requests.end', { id: request.id });
		await expectApiError(
			receiverApi.mutate('requests.transfer', {
				id: request.id,
				to: { kind: 'agent', userId: holder.id }
			}),
			'CONFLICT',
			'conflict'
		);
	});

	it('refuses a receiver that cannot act, the current holder, and a long note', async () => {
		const request = await held();
		const refused = async (to: unknown, field: string, note?: string) => {
			const error = await expectApiError(
				holderApi.mutate('requests.transfer', { id: request.id, to, note }),
				'BAD_REQUEST',
				'invalid'
			);
			expect(error.body.data.field).toBe(field);
		};
		await refused({ kind: 'agent', userId: viewer.id }, 'to.userId');
		await refused({ kind: 'agent', userId: randomUUID() }, 'to.userId');
		await refused({ kind: 'queue', queueId: randomUUID() }, 'to.queueId');
		await refused({ kind: 'agent', userId: holder.id }, 'to');
		await refused({ kind: 'unassigned' }, 'to.kind');
		await refused({ kind: 'queue', queueId }, 'note', 'x'.repeat(1001));
		const after = await adminApi.query('requests.get', { id: request.id });
		expect(after.assignment).toEqual({ kind: 'agent', userId: holder.id });
		expect(after.version).toBe(request.version);
	});

	it('an offline transfer is refused when it syncs after the receiver was deactivated', async () => {
		const leaving = await makeUser(server.app, 'agent', 'edit');
		const request = await held('Offline');
		const clientId = randomUUID();
		// The holder's device pulled while the receiver was still active…
		const pulled = await holderApi.query('sync.pull', { clientId });
		const copy = pulled.changes.find((r: { id: string }) => r.id === request.id);
		const mutation = {
			name: 'transferRequest' as const,
			args: { id: request.id, to: { kind: 'agent' as const, userId: leaving.id }, note: 'Yours' }
		};
		// …and, offline, applied the transfer optimistically with the shared plan.
		const optimistic = applyMutation(copy, mutation, {
			userId: holder.id,
			isAdmin: false,
			queueIds: [],
			now: Date.parse(pulled.serverTime),
			defaultExpiryMs: 7 * 86_400_000,
			defaultLanguage: 'en'
		});
		expect(optimistic.assignment).toEqual({ kind: 'agent', userId: leaving.id });

		// Meanwhile an admin deactivates the receiver.
		await adminApi.mutate('users.update', { id: leaving.id, active: false });

		// Back online: the push carries the transfer and a later edit of the same request.
		const push = () =>
			holderApi.mutate('sync.push', {
				clientId,
				mutations: [
					{ id: 1, ...mutation },
					{ id: 2, name: 'updateRequest', args: { id: request.id, comments: 'Still mine' } }
				]
			});
		const answer = await push();
		expect(answer.results[0]).toEqual({
			id: 1,
			ok: false,
			error: {
				code: 'BAD_REQUEST',
				reason: 'invalid',
				field: 'to.userId',
				message: expect.stringContaining('not an active user')
			}
		});
		// One refused change does not block the next.
		expect(answer.results[1]).toEqual({ id: 2, ok: true });
		expect(answer.lastMutationId).toBe(2);
		const after = await adminApi.query('requests.get', { id: request.id });
		expect(after.assignment).toEqual({ kind: 'agent', userId: holder.id });
		expect(after.comments).toBe('Still mine');
		expect(after.events.map((e: { type: string }) => e.type)).not.toContain('transferred');
		// A repeated push (the answer was lost) gets the same refusal, not a second run.
		expect((await push()).results[0]).toEqual(answer.results[0]);
	});
});
