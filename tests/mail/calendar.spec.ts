/**
 * Calendar invitations (.ics, iTIP over email) on scheduled requests: attached to the
 * invitation, moved by a reschedule (same UID, higher SEQUENCE), cancelled on close, expiry or
 * when the schedule is removed (METHOD:CANCEL).
 */
import { describe, expect, it } from 'vitest';
import { expireDueRequests } from '../../src/server/jobs/expiry';
import { icsValue } from './mime';
import { DAY, HOUR, iso, mailWorld, tokenOf } from './setup';
import type { Received } from './smtp-sink';

type Json = Record<string, any>;

describe('calendar invitations', () => {
	const world = mailWorld();
	let serial = 0;

	async function schedule(overrides: Json = {}) {
		serial += 1;
		return world.agent.mutate('requests.create', {
			recipientName: `Cal ${serial}`,
			recipientEmail: `cal-${serial}@example.com`,
			sendEmail: true,
			scheduledAt: iso(world.now + DAY),
			...overrides
		});
	}

	async function delivered(): Promise<Received[]> {
		const before = world.sink.received.length;
		await world.deliver();
		return world.sink.received.slice(before);
	}

	function event(mail: Received) {
		expect(mail.calendar).toBeDefined();
		const ics = mail.calendar!.content;
		return {
			partMethod: mail.calendar!.method,
			method: icsValue(ics, 'METHOD'),
			uid: icsValue(ics, 'UID'),
			sequence: Number(icsValue(ics, 'SEQUENCE')),
			start: icsValue(ics, 'DTSTART'),
			status: icsValue(ics, 'STATUS'),
			attendee: icsValue(ics, 'ATTENDEE')
		};
	}

	const icsTime = (ms: number) =>
		iso(ms)
			.replace(/[-:]/g, '')
			.replace(/\.\d{3}/, '');

	it('is attached to a scheduled invitation, updated on reschedule, cancelled on close', async () => {
		const created = await schedule();
		const [invite] = await delivered();
		const first = event(invite);
		expect(first).toMatchObject({
			partMethod: 'REQUEST',
			method: 'REQUEST',
			uid: `${created.id}@beckon`,
			start: icsTime(world.now + DAY),
			status: 'CONFIRMED'
		});
		expect(first.attendee?.toLowerCase()).toContain(`mailto:${created.recipientEmail}`);
		expect(icsValue(invite.calendar!.content, 'URL')).toBe(created.link);

		const movedTo = world.now + 2 * DAY;
		await world.agent.mutate('requests.update', { id: created.id, scheduledAt: iso(movedTo) });
		const [update] = await delivered();
		const second = event(update);
		expect(second).toMatchObject({
			method: 'REQUEST',
			uid: first.uid,
			start: icsTime(movedTo),
			status: 'CONFIRMED'
		});
		expect(second.sequence).toBeGreaterThan(first.sequence);

		await world.agent.mutate('requests.close', { id: created.id });
		const [cancel] = await delivered();
		const third = event(cancel);
		expect(third).toMatchObject({
			partMethod: 'CANCEL',
			method: 'CANCEL',
			uid: first.uid,
			status: 'CANCELLED',
			start: icsTime(movedTo)
		});
		expect(third.sequence).toBeGreaterThan(second.sequence);
	});

	it('is not attached when nothing is scheduled', async () => {
		await schedule({ scheduledAt: null });
		const [invite] = await delivered();
		expect(invite.calendar).toBeUndefined();
		expect(invite.parts.map((p) => p.contentType).sort()).toEqual(['text/html', 'text/plain']);
	});

	it('is cancelled when the schedule is removed, and when the request expires', async () => {
		const unscheduled = await schedule();
		await delivered();
		await world.agent.mutate('requests.update', { id: unscheduled.id, scheduledAt: null });
		const [removal] = await delivered();
		expect(event(removal)).toMatchObject({ method: 'CANCEL', uid: `${unscheduled.id}@beckon` });

		const expiring = await schedule({
			scheduledAt: iso(world.now + HOUR),
			expiresAt: iso(world.now + 2 * HOUR)
		});
		await delivered();
		world.now += 2 * HOUR;
		expireDueRequests(world.server.app);
		const [expiry] = await delivered();
		expect(expiry.envelope.to).toEqual([expiring.recipientEmail]);
		expect(event(expiry)).toMatchObject({ method: 'CANCEL', uid: `${expiring.id}@beckon` });
	});

	it('stays in the calendar after a session that took place', async () => {
		const created = await schedule({ scheduledAt: iso(world.now + HOUR) });
		await delivered();
		const token = tokenOf(created.link);
		await world.endUser.mutate('link.open', { token });
		await world.agent.mutate('requests.requestConnect', { id: created.id });
		await world.endUser.mutate('link.respond', { token, decision: 'allow' });
		await world.agent.mutate('requests.start', { id: created.id });
		await world.agent.mutate('requests.end', { id: created.id });
		const [ended] = await delivered();
		expect(ended.subject).toBe('Your support session has ended');
		expect(ended.calendar).toBeUndefined();
	});
});
