/**
 * Which change writes which email, and that it is written in the change's own transaction:
 * exactly one outbox row per trigger, none for a refused or rolled-back change.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { write } from '../../src/server/app';
import { expireDueRequests } from '../../src/server/jobs/expiry';
import { closeRequest, createRequest } from '../../src/server/services/requests';
import { loadAuthUser } from '../../src/server/services/users';
import { expectApiError } from '../support/client';
import { DAY, HOUR, iso, mailWorld, tokenOf } from './setup';
import { prepareSql } from '../../src/server/db/plain-sql';

type Json = Record<string, any>;

describe('outbox triggers', () => {
	const world = mailWorld();

	let serial = 0;
	const invitee = (overrides: Json = {}) => {
		serial += 1;
		return {
			recipientName: `Ada ${serial}`,
			recipientEmail: `ada-${serial}@example.com`,
			sendEmail: true,
			...overrides
		};
	};

	/** The outbox rows written by `action`. */
	async function written(action: () => Promise<unknown> | unknown) {
		const before = new Set(world.outbox().map((m) => m.id));
		await action();
		return world.outbox().filter((m) => !before.has(m.id));
	}

	const summary = (rows: ReturnType<typeof world.outbox>) =>
		rows.map((m) => ({ kind: m.kind, to: m.recipient }));

	it('create → one invitation to the recipient; none without sendEmail', async () => {
		let created: Json = {};
		const rows = await written(async () => {
			created = await world.agent.mutate('requests.create', invitee());
		});
		expect(summary(rows)).toEqual([{ kind: 'invitation', to: created.recipientEmail }]);
		expect(rows[0]).toMatchObject({ requestId: created.id, status: 'pending', ics: null });
		expect(
			await written(() => world.agent.mutate('requests.create', { ...invitee(), sendEmail: false }))
		).toEqual([]);
	});

	it('create assigned to a colleague → the invitation and a notice to the colleague', async () => {
		let created: Json = {};
		const rows = await written(async () => {
			created = await world.agent.mutate('requests.create', {
				...invitee(),
				assignment: { kind: 'agent', userId: world.otherUser.id }
			});
		});
		expect(summary(rows)).toEqual([
			{ kind: 'invitation', to: created.recipientEmail },
			{ kind: 'assigned', to: world.otherUser.email }
		]);
	});

	it('a refused create writes no email', async () => {
		const input = { id: randomUUID(), ...invitee() };
		await world.agent.mutate('requests.create', input);
		expect(
			await written(() => expectApiError(world.agent.mutate('requests.create', input), 'CONFLICT'))
		).toEqual([]);
		expect(
			await written(() =>
				expectApiError(
					world.agent.mutate('requests.create', {
						...invitee(),
						assignment: { kind: 'agent', userId: randomUUID() }
					}),
					'BAD_REQUEST'
				)
			)
		).toEqual([]);
	});

	it('the email is part of the change: a transaction that rolls back takes both', () => {
		const { app } = world.server;
		const user = loadAuthUser(app, world.agentUser.id)!;
		const id = randomUUID();
		const before = world.outbox().length;
		expect(() =>
			write(app, () => {
				createRequest(app, user, { id, ...invitee() });
				expect(world.outbox().length).toBe(before + 1);
				throw new Error('the process dies before the commit');
			})
		).toThrow('the process dies');
		expect(world.outbox().length).toBe(before);
		expect(
			prepareSql(
				app.sqlite,
				(param) => `SELECT count(*) AS n FROM session_requests WHERE id = ${param()}`
			).get(id)
		).toEqual({ n: 0 });

		const created = createRequest(app, user, invitee());
		const afterCreate = world.outbox().length;
		expect(() =>
			write(app, () => {
				closeRequest(app, user, { id: created.id });
				throw new Error('rolled back');
			})
		).toThrow('rolled back');
		expect(world.outbox().length).toBe(afterCreate);
	});

	it('update: a new schedule → one schedule_changed; other edits → none', async () => {
		const created = await world.agent.mutate('requests.create', invitee());
		expect(
			summary(
				await written(() =>
					world.agent.mutate('requests.update', {
						id: created.id,
						scheduledAt: iso(world.now + DAY)
					})
				)
			)
		).toEqual([{ kind: 'schedule_changed', to: created.recipientEmail }]);
		expect(
			summary(
				await written(() =>
					world.agent.mutate('requests.update', {
						id: created.id,
						scheduledAt: iso(world.now + 2 * DAY)
					})
				)
			)
		).toEqual([{ kind: 'schedule_changed', to: created.recipientEmail }]);
		expect(
			await written(() =>
				world.agent.mutate('requests.update', {
					id: created.id,
					comments: 'Printer on fire',
					recipientName: 'Ada Lovelace',
					emailLanguage: 'fr',
					scheduledAt: iso(world.now + 2 * DAY)
				})
			)
		).toEqual([]);
	});

	it('update: turning email on, or a new address → an invitation to that address', async () => {
		const created = await world.agent.mutate('requests.create', {
			...invitee(),
			sendEmail: false
		});
		expect(
			summary(
				await written(() =>
					world.agent.mutate('requests.update', { id: created.id, sendEmail: true })
				)
			)
		).toEqual([{ kind: 'invitation', to: created.recipientEmail }]);
		expect(
			summary(
				await written(() =>
					world.agent.mutate('requests.update', {
						id: created.id,
						recipientEmail: 'new-address@example.com'
					})
				)
			)
		).toEqual([{ kind: 'invitation', to: 'new-address@example.com' }]);
		// A refused update writes nothing.
		expect(
			await written(() =>
				expectApiError(
					world.agent.mutate('requests.update', {
						id: created.id,
						scheduledAt: iso(world.now - HOUR)
					}),
					'BAD_REQUEST'
				)
			)
		).toEqual([]);
	});

	it('assign → one notice to the new assignee; none to oneself, on take or to a queue', async () => {
		const created = await world.agent.mutate('requests.create', {
			...invitee(),
			assignment: { kind: 'unassigned' }
		});
		const rows = await written(() =>
			world.admin.mutate('requests.assign', {
				id: created.id,
				assignment: { kind: 'agent', userId: world.otherUser.id }
			})
		);
		expect(summary(rows)).toEqual([{ kind: 'assigned', to: world.otherUser.email }]);
		expect(rows[0].text).toContain(world.adminUser.name);
		expect(
			await written(() =>
				world.agent.mutate('requests.assign', { id: created.id, assignment: { kind: 'me' } })
			)
		).toEqual([]);
		const { queue } = await world.admin.mutate('queues.create', {
			name: `Desk ${serial}`,
			memberIds: [world.otherUser.id]
		});
		expect(
			await written(() =>
				world.agent.mutate('requests.assign', {
					id: created.id,
					assignment: { kind: 'queue', queueId: queue.id }
				})
			)
		).toEqual([]);
		expect(await written(() => world.other.mutate('requests.take', { id: created.id }))).toEqual(
			[]
		);
	});

	it('an agent’s mail speaks the language they chose for the app', async () => {
		await world.other.mutate('account.setLanguage', { language: 'de' });
		try {
			const created = await world.agent.mutate('requests.create', {
				...invitee(),
				assignment: { kind: 'unassigned' }
			});
			const rows = await written(() =>
				world.admin.mutate('requests.assign', {
					id: created.id,
					assignment: { kind: 'agent', userId: world.otherUser.id }
				})
			);
			expect(summary(rows)).toEqual([{ kind: 'assigned', to: world.otherUser.email }]);
			expect(rows[0].subject).toBe(
				`Ihnen zugewiesen: Sitzungsanfrage für ${created.recipientName}`
			);
		} finally {
			await world.other.mutate('account.setLanguage', { language: null });
		}
	});

	it('close, decline, end and expiry → one notice each', async () => {
		const closed = await world.agent.mutate('requests.create', invitee());
		const closeRows = await written(() => world.agent.mutate('requests.close', { id: closed.id }));
		expect(summary(closeRows)).toEqual([{ kind: 'closed', to: closed.recipientEmail }]);

		const declined = await world.agent.mutate('requests.create', invitee());
		const declineRows = await written(() =>
			world.endUser.mutate('link.decline', { token: tokenOf(declined.link) })
		);
		expect(summary(declineRows)).toEqual([{ kind: 'closed', to: declined.recipientEmail }]);
		expect(declineRows[0].subject).toBe('You declined the support session');

		const ended = await world.agent.mutate('requests.create', invitee());
		const token = tokenOf(ended.link);
		await world.endUser.mutate('link.open', { token });
		await world.agent.mutate('requests.requestConnect', { id: ended.id });
		await world.endUser.mutate('link.respond', { token, decision: 'allow' });
		await world.agent.mutate('requests.start', { id: ended.id });
		const endRows = await written(() => world.agent.mutate('requests.end', { id: ended.id }));
		expect(summary(endRows)).toEqual([{ kind: 'closed', to: ended.recipientEmail }]);
		expect(endRows[0].subject).toBe('Your support session has ended');

		const expiring = await world.agent.mutate('requests.create', {
			...invitee(),
			expiresAt: iso(world.now + HOUR)
		});
		const quiet = await world.agent.mutate('requests.create', {
			...invitee(),
			sendEmail: false,
			expiresAt: iso(world.now + HOUR)
		});
		world.now += HOUR;
		const expiryRows = await written(() => expireDueRequests(world.server.app));
		expect(summary(expiryRows)).toEqual([{ kind: 'expired', to: expiring.recipientEmail }]);
		expect(expiryRows[0].requestId).toBe(expiring.id);
		expect((await world.agent.query('requests.get', { id: quiet.id })).status).toBe('expired');
		// A refused close (already terminal) writes nothing.
		expect(
			await written(() =>
				expectApiError(world.agent.mutate('requests.close', { id: closed.id }), 'CONFLICT')
			)
		).toEqual([]);
	});

	it('regenerateLink → a new invitation with the new link', async () => {
		const created = await world.agent.mutate('requests.create', invitee());
		let regenerated: Json = {};
		const rows = await written(async () => {
			regenerated = await world.agent.mutate('requests.regenerateLink', { id: created.id });
		});
		expect(summary(rows)).toEqual([{ kind: 'invitation', to: created.recipientEmail }]);
		expect(rows[0].text).toContain(regenerated.link);
		expect(rows[0].text).not.toContain(created.link);
	});

	it('reopen → a new invitation with the new link', async () => {
		const created = await world.agent.mutate('requests.create', invitee());
		await world.agent.mutate('requests.close', { id: created.id });
		let reopened: Json = {};
		const rows = await written(async () => {
			reopened = await world.agent.mutate('requests.reopen', { id: created.id });
		});
		expect(summary(rows)).toEqual([{ kind: 'invitation', to: created.recipientEmail }]);
		expect(reopened.link).not.toBe(created.link);
		expect(rows[0].text).toContain(reopened.link);
		expect(rows[0].text).not.toContain(created.link);
	});

	it('sync.push: each accepted mutation writes its email, a refused one none', async () => {
		const id = randomUUID();
		const clientId = randomUUID();
		const rows = await written(async () => {
			const { results } = await world.agent.mutate('sync.push', {
				clientId,
				mutations: [
					{ id: 1, name: 'createRequest', args: { id, ...invitee() } },
					// Refused: a schedule in the past.
					{ id: 2, name: 'updateRequest', args: { id, scheduledAt: iso(world.now - HOUR) } },
					{ id: 3, name: 'closeRequest', args: { id } }
				]
			});
			expect(results.map((r: Json) => r.ok)).toEqual([true, false, true]);
		});
		expect(rows.map((m) => m.kind)).toEqual(['invitation', 'closed']);
		// Pushed again (a lost response): answered from the record, nothing re-sent.
		expect(
			await written(() =>
				world.agent.mutate('sync.push', {
					clientId,
					mutations: [{ id: 3, name: 'closeRequest', args: { id } }]
				})
			)
		).toEqual([]);
	});
});
