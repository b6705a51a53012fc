/**
 * Reminders at `scheduledAt − reminderLead`: to the end user and the assigned agent, once per
 * schedule, late after a restart that spanned the moment, never for a session that has started
 * or a request that is closed or expired.
 */
import { describe, expect, it } from 'vitest';
import * as remindersJob from '../../src/server/jobs/reminders';
import { DAY, HOUR, MINUTE, iso, mailWorld, tokenOf } from './setup';

type Json = Record<string, any>;

describe('reminders', () => {
	const world = mailWorld();
	let serial = 0;

	async function scheduled(at: number, overrides: Json = {}) {
		serial += 1;
		return world.agent.mutate('requests.create', {
			recipientName: `Rita ${serial}`,
			recipientEmail: `rita-${serial}@example.com`,
			sendEmail: true,
			scheduledAt: iso(at),
			...overrides
		});
	}

	const reminders = (requestId: string) =>
		world
			.outbox()
			.filter(
				(m) =>
					m.requestId === requestId && (m.kind === 'reminder' || m.kind === 'assignee_reminder')
			)
			.map((m) => ({ kind: m.kind, to: m.recipient }));

	it('go out once at the moment, to the end user and the assignee', async () => {
		const at = world.now + HOUR;
		const created = await scheduled(at);
		world.remind();
		world.now = at - 15 * MINUTE - 1;
		world.remind();
		expect(reminders(created.id)).toEqual([]);

		world.now += 1;
		world.remind();
		expect(reminders(created.id)).toEqual([
			{ kind: 'reminder', to: created.recipientEmail },
			{ kind: 'assignee_reminder', to: world.agentUser.email }
		]);
		world.now += MINUTE;
		world.remind();
		world.remind();
		expect(reminders(created.id)).toHaveLength(2);

		const before = world.sink.received.length;
		await world.deliver();
		const mails = world.sink.received
			.slice(before)
			.filter((m) => m.subject?.startsWith('Reminder'));
		expect(mails.map((m) => m.envelope.to[0]).sort()).toEqual(
			[created.recipientEmail, world.agentUser.email].sort()
		);
		const toEndUser = mails.find((m) => m.envelope.to[0] === created.recipientEmail)!;
		expect(toEndUser.text).toContain(created.link);
		expect(toEndUser.subject).toBe(
			'Reminder: your support session on Monday, March 4, 2030 at 11:00 AM UTC'
		);
	});

	it('use the lead time from the settings', async () => {
		await world.admin.mutate('settings.update', { reminderLead: '1h' });
		try {
			const created = await scheduled(world.now + 2 * HOUR);
			world.now += HOUR - 1;
			world.remind();
			expect(reminders(created.id)).toEqual([]);
			world.now += 1;
			world.remind();
			expect(reminders(created.id)).toHaveLength(2);
		} finally {
			await world.admin.mutate('settings.update', { reminderLead: '15m' });
		}
	});

	it('a new schedule is reminded again; an unchanged one is not', async () => {
		const created = await scheduled(world.now + 20 * MINUTE);
		world.now += 5 * MINUTE;
		world.remind();
		expect(reminders(created.id)).toHaveLength(2);
		await world.agent.mutate('requests.update', { id: created.id, comments: 'bring the laptop' });
		world.remind();
		expect(reminders(created.id)).toHaveLength(2);
		await world.agent.mutate('requests.update', {
			id: created.id,
			scheduledAt: iso(world.now + DAY)
		});
		world.remind();
		expect(reminders(created.id)).toHaveLength(2);
		world.now += DAY - 15 * MINUTE;
		world.remind();
		expect(reminders(created.id)).toHaveLength(4);
	});

	it('only whoever is there to remind: no email wanted and nobody assigned → nothing', async () => {
		const quiet = await scheduled(world.now + HOUR, {
			sendEmail: false,
			assignment: { kind: 'unassigned' }
		});
		const agentOnly = await scheduled(world.now + HOUR, { sendEmail: false });
		world.now += 45 * MINUTE;
		world.remind();
		expect(reminders(quiet.id)).toEqual([]);
		expect(reminders(agentOnly.id)).toEqual([
			{ kind: 'assignee_reminder', to: world.agentUser.email }
		]);
	});

	it('never for a session that has started or a closed request', async () => {
		const connected = await scheduled(world.now + HOUR);
		const token = tokenOf(connected.link);
		await world.endUser.mutate('link.open', { token });
		await world.agent.mutate('requests.requestConnect', { id: connected.id });
		await world.endUser.mutate('link.respond', { token, decision: 'allow' });
		await world.agent.mutate('requests.start', { id: connected.id });
		const closed = await scheduled(world.now + HOUR);
		await world.agent.mutate('requests.close', { id: closed.id });
		const waiting = await scheduled(world.now + HOUR);
		await world.endUser.mutate('link.open', { token: tokenOf(waiting.link) });

		world.now += 50 * MINUTE;
		world.remind();
		expect(reminders(connected.id)).toEqual([]);
		expect(reminders(closed.id)).toEqual([]);
		// Waiting on the page is not started: the agent still gets reminded.
		expect(reminders(waiting.id)).toHaveLength(2);
	});
});

describe('reminders across a restart', () => {
	const world = mailWorld();

	it('a moment missed while the server was down is caught up at start, once', async () => {
		const created = await world.agent.mutate('requests.create', {
			recipientName: 'Late Lena',
			recipientEmail: 'lena@example.com',
			sendEmail: true,
			scheduledAt: iso(world.now + HOUR)
		});
		let stop = remindersJob.start(world.server.app, 60_000);
		stop();
		await world.restart();
		// Down from before the reminder moment (T0 + 45 min) until after it.
		world.now += 50 * MINUTE;
		stop = remindersJob.start(world.server.app, 60_000);
		stop();
		const kinds = (id: string) =>
			world
				.outbox()
				.filter((m) => m.requestId === id && m.kind.includes('reminder'))
				.map((m) => m.kind);
		expect(kinds(created.id)).toEqual(['reminder', 'assignee_reminder']);

		// Another restart does not send them again.
		await world.restart();
		stop = remindersJob.start(world.server.app, 60_000);
		stop();
		expect(kinds(created.id)).toHaveLength(2);

		// A request that expired during a longer outage gets none: it is over.
		const late = await world.agent.mutate('requests.create', {
			recipientName: 'Too Late',
			recipientEmail: 'late@example.com',
			sendEmail: true,
			scheduledAt: iso(world.now + HOUR),
			expiresAt: iso(world.now + 2 * HOUR)
		});
		await world.restart();
		world.now += 3 * HOUR;
		stop = remindersJob.start(world.server.app, 60_000);
		stop();
		expect(kinds(late.id)).toEqual([]);
	});
});
