/**
 * The mail outbox: the only code that writes `mail_outbox`.
 *
 * Exactly once, as far as SMTP allows:
 * - A message is written (already rendered) in the transaction of the change that causes it, so
 *   it exists if and only if the change committed: a crash loses none and invents none.
 * - Delivery claims one row at a time (`pending` → `sending`, in its own transaction, with a
 *   lease) before talking to the SMTP server, and records the outcome in another. A row whose
 *   lease ran out while `sending` belongs to an attempt whose process died; it is claimed again.
 * - Every attempt sends the same Message-ID and Date, fixed when the row was written. SMTP has no
 *   way to make "the server accepted it" and "we recorded that" one step: if the process dies in
 *   the instant between the server's 250 and our commit, the retry sends a second copy. That copy
 *   is recognisably the same message (same Message-ID), which is what receiving systems
 *   deduplicate on. Outside that window nothing is sent twice: at-least-once at the wire,
 *   exactly-once everywhere we control.
 */
import { and, desc, eq } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { conflict, notFound } from '../../lib/domain/errors';
import { toIso } from '../../lib/domain/rules';
import { SYSTEM_ACTOR, type EventType } from '../../lib/domain/types';
import { write, type Beckon } from '../app';
import { mailOutbox, type MailRow } from '../db/schema';
import { domainOf, oneLine } from '../mail/format';
import type { CalendarPart } from '../mail/ics';
import type { MailKind } from '../mail/kinds';
import type { RenderedMail } from '../mail/layout';
import type { OutgoingMail } from '../mail/transport';
import { claimOutboxRow } from './outbox';
import { findRow, writeRows } from './request-records';

export interface NewMail {
	requestId: string | null;
	kind: MailKind;
	to: { address: string; name: string | null };
	rendered: RenderedMail;
	calendar?: CalendarPart | null;
}

function messageIdFor(app: Beckon, id: string): string {
	return `<${id}@${domainOf(app.config.mailFrom)}>`;
}

/** Writes one message to the outbox, inside the caller's transaction. */
export function enqueueMail(app: Beckon, mail: NewMail): MailRow {
	const now = app.clock();
	const id = uuidv7();
	return app.db
		.insert(mailOutbox)
		.values({
			id,
			requestId: mail.requestId,
			kind: mail.kind,
			recipient: oneLine(mail.to.address),
			recipientName: mail.to.name === null ? null : oneLine(mail.to.name),
			subject: oneLine(mail.rendered.subject),
			text: mail.rendered.text,
			html: mail.rendered.html,
			ics: mail.calendar?.content ?? null,
			icsMethod: mail.calendar?.method ?? null,
			messageId: messageIdFor(app, id),
			status: 'pending',
			attempts: 0,
			nextAttemptAt: now,
			createdAt: now
		})
		.returning()
		.get();
}

/** The message as the transport sends it: the same on every attempt. */
export function outgoingMail(app: Beckon, row: MailRow): OutgoingMail {
	return {
		messageId: row.messageId ?? messageIdFor(app, row.id),
		to: { address: row.recipient, name: row.recipientName },
		subject: row.subject,
		text: row.text,
		html: row.html,
		date: new Date(row.createdAt),
		calendar: row.ics && row.icsMethod ? { method: row.icsMethod, content: row.ics } : null
	};
}

/**
 * Claims the next due message for one delivery attempt (services/outbox.ts), or returns null.
 * A message sent again after an interrupted attempt keeps its Message-ID.
 */
export function claimNextMail(app: Beckon, leaseMs: number): MailRow | null {
	const id = claimOutboxRow(app, 'mail_outbox', leaseMs);
	return id === null
		? null
		: (app.db.select().from(mailOutbox).where(eq(mailOutbox.id, id)).get() ?? null);
}

/** The claim is still ours: same row, still `sending`, no later attempt since. */
const stillClaimed = (claimed: MailRow) =>
	and(
		eq(mailOutbox.id, claimed.id),
		eq(mailOutbox.status, 'sending'),
		eq(mailOutbox.attempts, claimed.attempts)
	);

export function markMailSent(app: Beckon, claimed: MailRow): boolean {
	return write(app, () => {
		const now = app.clock();
		const done = app.db
			.update(mailOutbox)
			.set({ status: 'sent', sentAt: now, lastError: null })
			.where(stillClaimed(claimed))
			.returning()
			.get();
		if (done) {
			noteOnTimeline(app, done, 'email_sent', {
				mailId: done.id,
				kind: done.kind,
				to: done.recipient,
				attempts: done.attempts
			});
		}
		return done !== undefined;
	});
}

/** A failed attempt: due again at `retryAt`, or final (`failed`) when `retryAt` is null. */
export function markMailFailed(
	app: Beckon,
	claimed: MailRow,
	error: string,
	retryAt: number | null
): boolean {
	return write(app, () => {
		const done = app.db
			.update(mailOutbox)
			.set(
				retryAt === null
					? { status: 'failed', lastError: error }
					: { status: 'pending', lastError: error, nextAttemptAt: retryAt }
			)
			.where(stillClaimed(claimed))
			.returning()
			.get();
		if (done && retryAt === null) {
			noteOnTimeline(app, done, 'email_failed', {
				mailId: done.id,
				kind: done.kind,
				to: done.recipient,
				attempts: done.attempts,
				error
			});
		}
		return done !== undefined;
	});
}

/**
 * Delivery outcomes go on the request's timeline. The timeline is part of the request, so its
 * version moves too (not `updatedAt`: the request itself did not change) and clients refetch.
 */
function noteOnTimeline(
	app: Beckon,
	mail: MailRow,
	type: EventType,
	data: Record<string, unknown>
) {
	const request = mail.requestId ? findRow(app, mail.requestId) : undefined;
	if (!request) return;
	writeRows(app, [{ row: request, set: {}, event: { actor: SYSTEM_ACTOR, type, data } }]);
}

/** The admin's view of a message: everything but the calendar text. */
function toMailSummary(app: Beckon, row: MailRow) {
	return {
		id: row.id,
		requestId: row.requestId,
		kind: row.kind,
		recipient: row.recipient,
		recipientName: row.recipientName,
		subject: row.subject,
		text: row.text,
		html: row.html,
		hasCalendar: row.ics !== null,
		messageId: outgoingMail(app, row).messageId,
		status: row.status,
		attempts: row.attempts,
		lastError: row.lastError,
		createdAt: toIso(row.createdAt),
		nextAttemptAt: row.status === 'pending' ? toIso(row.nextAttemptAt) : null,
		sentAt: toIso(row.sentAt)
	};
}

export function listOutbox(app: Beckon, limit = 200) {
	return app.db
		.select()
		.from(mailOutbox)
		.orderBy(desc(mailOutbox.createdAt), desc(mailOutbox.id))
		.limit(limit)
		.all()
		.map((row) => toMailSummary(app, row));
}

function loadMail(app: Beckon, id: string): MailRow {
	const row = app.db.select().from(mailOutbox).where(eq(mailOutbox.id, id)).get();
	if (!row) throw notFound('No such email');
	return row;
}

/** One message as it will be (or was) sent, calendar part included. */
export function getMail(app: Beckon, id: string) {
	const row = loadMail(app, id);
	return { ...toMailSummary(app, row), ics: row.ics, icsMethod: row.icsMethod };
}

/**
 * An admin sends a message again. A pending or failed one goes back in the queue, due now with
 * a fresh set of attempts, keeping its Message-ID (it was never known to arrive). A sent one is
 * copied into a new message with a new Message-ID: a deliberate second copy is a new message.
 */
export function resendMail(app: Beckon, id: string) {
	const row = write(app, () => {
		const current = loadMail(app, id);
		const now = app.clock();
		if (current.status === 'sending') throw conflict('This email is being sent right now');
		// Stripped by retention or an erasure (services/privacy.ts): nobody left to send it to.
		if (current.recipient === '') {
			throw conflict('This email’s personal data was erased: it cannot be sent again');
		}
		if (current.status === 'sent') {
			return enqueueMail(app, {
				requestId: current.requestId,
				kind: current.kind,
				to: { address: current.recipient, name: current.recipientName },
				rendered: { subject: current.subject, text: current.text, html: current.html },
				calendar:
					current.ics && current.icsMethod
						? { method: current.icsMethod, content: current.ics }
						: null
			});
		}
		return app.db
			.update(mailOutbox)
			.set({ status: 'pending', attempts: 0, nextAttemptAt: now })
			.where(eq(mailOutbox.id, current.id))
			.returning()
			.get() as MailRow;
	});
	return toMailSummary(app, row);
}
