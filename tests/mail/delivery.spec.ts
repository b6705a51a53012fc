/**
 * Delivery over a real SMTP server on loopback: sent once with its event, retried with backoff
 * while the server refuses, `failed` with the error in the end, and safe across crashes.
 */
import { describe, expect, it } from 'vitest';
import * as deliveryJob from '../../src/server/jobs/mail-delivery';
import { MAX_ATTEMPTS, retryDelay } from '../../src/server/jobs/mail-delivery';
import { claimNextMail, outgoingMail } from '../../src/server/services/mail';
import { DAY, HOUR, MAIL_FROM, MINUTE, iso, mailWorld } from './setup';

type Json = Record<string, any>;

let serial = 0;
function invitee(overrides: Json = {}) {
	serial += 1;
	return {
		recipientName: `Invitee ${serial}`,
		recipientEmail: `invitee-${serial}@example.com`,
		sendEmail: true,
		...overrides
	};
}

describe('delivery', () => {
	const world = mailWorld();

	it('sends a queued invitation once, marks it sent and puts email_sent on the timeline', async () => {
		const created = await world.agent.mutate('requests.create', invitee());
		const [row] = world.outbox().filter((m) => m.requestId === created.id);
		expect(row).toMatchObject({ kind: 'invitation', status: 'pending', attempts: 0 });

		const before = world.sink.received.length;
		expect(await world.deliver()).toEqual({ sent: 1, retrying: 0, failed: 0 });
		const received = world.sink.received.slice(before);
		expect(received).toHaveLength(1);
		const [mail] = received;
		expect(mail.envelope.to).toEqual([created.recipientEmail]);
		expect(mail.envelope.from).toBe('noreply@beckon.test');
		expect(mail.headers.get('from')).toBe(MAIL_FROM);
		expect(mail.messageId).toBe(row.messageId);
		expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
		expect(mail.text).toContain(created.link);

		const sent = world.outbox().find((m) => m.id === row.id);
		expect(sent).toMatchObject({ status: 'sent', attempts: 1, sentAt: world.now, lastError: null });
		const got = await world.agent.query('requests.get', { id: created.id });
		expect(got.events.at(-1)).toMatchObject({
			type: 'email_sent',
			actor: 'system',
			data: { mailId: row.id, kind: 'invitation', to: created.recipientEmail }
		});
		// The timeline changed, so the request's version moved (clients refetch it) but not updatedAt.
		expect(got.version).toBeGreaterThan(created.version);
		expect(got.updatedAt).toBe(created.updatedAt);

		// Nothing is left to send.
		expect(await world.deliver()).toEqual({ sent: 0, retrying: 0, failed: 0 });
		expect(world.sink.received.length).toBe(before + 1);
	});

	it('retries a refused message with growing waits and delivers it once the server accepts', async () => {
		const created = await world.agent.mutate('requests.create', invitee());
		const row = world.outbox().find((m) => m.requestId === created.id)!;
		world.sink.mode = { kind: 'refuse', code: 451, message: 'Greylisted, try again later' };
		const start = world.now;
		const dataBefore = world.sink.dataCount;

		expect(await world.deliver()).toEqual({ sent: 0, retrying: 1, failed: 0 });
		let stored = world.outbox().find((m) => m.id === row.id)!;
		expect(stored).toMatchObject({ status: 'pending', attempts: 1 });
		expect(stored.lastError).toContain('Greylisted');
		expect(stored.nextAttemptAt).toBe(start + MINUTE);

		// Not due yet: no attempt at all.
		world.now += MINUTE - 1;
		await world.deliver();
		expect(world.sink.dataCount).toBe(dataBefore + 1);

		world.now += 1;
		expect(await world.deliver()).toEqual({ sent: 0, retrying: 1, failed: 0 });
		stored = world.outbox().find((m) => m.id === row.id)!;
		expect(stored).toMatchObject({ status: 'pending', attempts: 2 });
		expect(stored.nextAttemptAt).toBe(world.now + 2 * MINUTE);

		world.sink.mode = { kind: 'accept' };
		world.now += 2 * MINUTE;
		const before = world.sink.received.length;
		expect(await world.deliver()).toEqual({ sent: 1, retrying: 0, failed: 0 });
		expect(world.sink.received.length).toBe(before + 1);
		expect(world.sink.received.at(-1)!.messageId).toBe(row.messageId);
		stored = world.outbox().find((m) => m.id === row.id)!;
		expect(stored).toMatchObject({ status: 'sent', attempts: 3, lastError: null });
		const { events } = await world.agent.query('requests.get', { id: created.id });
		expect(events.filter((e: Json) => e.type === 'email_sent')).toHaveLength(1);
		expect(events.filter((e: Json) => e.type === 'email_failed')).toHaveLength(0);
	});

	it('gives up after the last attempt: failed, with the SMTP error, and email_failed on the timeline', async () => {
		const created = await world.agent.mutate('requests.create', invitee());
		const row = world.outbox().find((m) => m.requestId === created.id)!;
		world.sink.mode = { kind: 'refuse', code: 421, message: 'Service not available' };
		const waits: number[] = [];
		for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
			const report = await world.deliver();
			const stored = world.outbox().find((m) => m.id === row.id)!;
			expect(stored.attempts).toBe(attempt);
			if (attempt < MAX_ATTEMPTS) {
				expect(report).toEqual({ sent: 0, retrying: 1, failed: 0 });
				waits.push(stored.nextAttemptAt - world.now);
				world.now = stored.nextAttemptAt;
			} else {
				expect(report).toEqual({ sent: 0, retrying: 0, failed: 1 });
			}
		}
		// Exponential, capped at an hour.
		expect(waits).toEqual(Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => retryDelay(i + 1)));
		expect(waits.slice(0, 4)).toEqual([MINUTE, 2 * MINUTE, 4 * MINUTE, 8 * MINUTE]);
		expect(Math.max(...waits)).toBe(HOUR);

		const failed = world.outbox().find((m) => m.id === row.id)!;
		expect(failed.status).toBe('failed');
		expect(failed.lastError).toContain('Service not available');
		const { events } = await world.agent.query('requests.get', { id: created.id });
		expect(events.at(-1)).toMatchObject({
			type: 'email_failed',
			actor: 'system',
			data: { mailId: row.id, attempts: MAX_ATTEMPTS }
		});
		expect(events.at(-1).data.error).toContain('Service not available');

		// Failed is final: later passes leave it alone.
		world.now += DAY;
		const data = world.sink.dataCount;
		await world.deliver();
		expect(world.sink.dataCount).toBe(data);
		world.sink.mode = { kind: 'accept' };
	});

	it('fails at once when the server refuses the recipient for good (5xx)', async () => {
		const created = await world.agent.mutate('requests.create', invitee());
		world.sink.mode = { kind: 'refuse', code: 550, message: 'No such mailbox' };
		expect(await world.deliver()).toEqual({ sent: 0, retrying: 0, failed: 1 });
		world.sink.mode = { kind: 'accept' };
		const row = world.outbox().find((m) => m.requestId === created.id)!;
		expect(row).toMatchObject({ status: 'failed', attempts: 1 });
		expect(row.lastError).toContain('No such mailbox');

		// An admin sends it again once the problem is fixed: same message, fresh attempts.
		const resent = await world.admin.mutate('mail.resend', { id: row.id });
		expect(resent).toMatchObject({ id: row.id, status: 'pending', attempts: 0 });
		const before = world.sink.received.length;
		expect(await world.deliver()).toEqual({ sent: 1, retrying: 0, failed: 0 });
		expect(world.sink.received.slice(before).map((m) => m.messageId)).toEqual([row.messageId]);
	});

	it('resending a sent message makes a new copy with its own Message-ID', async () => {
		const created = await world.agent.mutate('requests.create', invitee());
		await world.deliver();
		const original = world.outbox().find((m) => m.requestId === created.id)!;
		expect(original.status).toBe('sent');
		const copy = await world.admin.mutate('mail.resend', { id: original.id });
		expect(copy.id).not.toBe(original.id);
		expect(copy).toMatchObject({ status: 'pending', subject: original.subject });
		expect(copy.messageId).not.toBe(original.messageId);
		const before = world.sink.received.length;
		await world.deliver();
		expect(world.sink.received.slice(before).map((m) => m.messageId)).toEqual([copy.messageId]);
	});

	it('the job delivers as soon as a change commits, and stops cleanly', async () => {
		const stop = deliveryJob.start(world.server.app, {
			transport: world.transport,
			intervalMs: 60_000
		});
		try {
			const before = world.sink.received.length;
			const created = await world.agent.mutate('requests.create', invitee());
			const received = await world.sink.waitFor(before + 1);
			expect(received.at(-1)!.envelope.to).toEqual([created.recipientEmail]);
		} finally {
			await stop();
		}
	});
});

describe('crash safety', () => {
	const world = mailWorld();

	it('a claim whose attempt died is sent again after its lease, once, with the same Message-ID', async () => {
		const created = await world.agent.mutate('requests.create', invitee());
		const row = world.outbox().find((m) => m.requestId === created.id)!;
		// The dead attempt: its claim committed, then the process vanished before any SMTP answer.
		const claimed = claimNextMail(world.server.app, deliveryJob.DEFAULT_LEASE_MS)!;
		expect(claimed).toMatchObject({ id: row.id, status: 'sending', attempts: 1 });

		// Within the lease nobody else touches it.
		const before = world.sink.received.length;
		world.now += deliveryJob.DEFAULT_LEASE_MS - 1;
		expect(await world.deliver()).toEqual({ sent: 0, retrying: 0, failed: 0 });
		expect(world.outbox().find((m) => m.id === row.id)!.status).toBe('sending');

		world.now += 1;
		expect(await world.deliver()).toEqual({ sent: 1, retrying: 0, failed: 0 });
		expect(await world.deliver()).toEqual({ sent: 0, retrying: 0, failed: 0 });
		const received = world.sink.received.slice(before);
		expect(received.map((m) => m.messageId)).toEqual([row.messageId]);
		expect(world.outbox().find((m) => m.id === row.id)).toMatchObject({
			status: 'sent',
			attempts: 2
		});
		const { events } = await world.agent.query('requests.get', { id: created.id });
		expect(events.filter((e: Json) => e.type === 'email_sent')).toHaveLength(1);
	});

	it('SMTP limit: if the server accepted before the crash, the retry is the same message', async () => {
		const created = await world.agent.mutate('requests.create', invitee());
		const row = world.outbox().find((m) => m.requestId === created.id)!;
		// The attempt got its 250 from the server and died before recording it.
		const claimed = claimNextMail(world.server.app, deliveryJob.DEFAULT_LEASE_MS)!;
		const before = world.sink.received.length;
		await world.transport.send(outgoingMail(world.server.app, claimed));

		world.now += deliveryJob.DEFAULT_LEASE_MS;
		await world.deliver();
		const copies = world.sink.received.slice(before);
		// At-least-once at the wire; the copy is recognisably the same message.
		expect(copies).toHaveLength(2);
		expect(new Set(copies.map((m) => m.messageId))).toEqual(new Set([row.messageId]));
		expect(new Set(copies.map((m) => m.headers.get('date'))).size).toBe(1);
		const stored = world.outbox().find((m) => m.id === row.id)!;
		expect(stored).toMatchObject({ status: 'sent', attempts: 2 });
	});
});

describe('without SMTP', () => {
	const world = mailWorld({ smtp: false });

	it('keeps mail pending and readable by admins, and sends it once SMTP is configured', async () => {
		// The job sees no SMTP and does not run.
		const stop = deliveryJob.start(world.server.app);
		const created = await world.agent.mutate('requests.create', {
			...invitee(),
			scheduledAt: iso(world.now + DAY)
		});
		await stop();
		const listed = await world.admin.query('mail.outbox');
		const summary = listed.find((m: Json) => m.requestId === created.id);
		expect(summary).toMatchObject({
			kind: 'invitation',
			status: 'pending',
			attempts: 0,
			recipient: created.recipientEmail,
			recipientName: created.recipientName,
			hasCalendar: true,
			sentAt: null
		});
		expect(summary.text).toContain(created.link);
		expect(summary.html).toContain('<!doctype html>');
		const one = await world.admin.query('mail.get', { id: summary.id });
		expect(one).toMatchObject({ id: summary.id, icsMethod: 'REQUEST' });
		expect(one.ics).toContain('BEGIN:VCALENDAR');
		expect(await world.admin.query('mail.status')).toEqual({
			smtpConfigured: false,
			from: MAIL_FROM
		});
		expect(world.sink.dataCount).toBe(0);

		// The operator configures SMTP and restarts: the waiting mail goes out, once.
		await world.restart({ smtp: true });
		expect((await world.admin.query('mail.status')).smtpConfigured).toBe(true);
		const stopAgain = deliveryJob.start(world.server.app, { intervalMs: 60_000 });
		try {
			const [mail] = await world.sink.waitFor(1);
			expect(mail.messageId).toBe(summary.messageId);
			expect(mail.calendar?.method).toBe('REQUEST');
		} finally {
			await stopAgain();
		}
		expect(world.sink.received).toHaveLength(1);
		const after = await world.admin.query('mail.get', { id: summary.id });
		expect(after).toMatchObject({ status: 'sent', attempts: 1 });
	});

	it('mail.get and mail.resend answer NOT_FOUND for an unknown id', async () => {
		const unknown = '0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
		await expect(world.admin.query('mail.get', { id: unknown })).rejects.toThrow(/NOT_FOUND/);
		await expect(world.admin.mutate('mail.resend', { id: unknown })).rejects.toThrow(/NOT_FOUND/);
	});
});
