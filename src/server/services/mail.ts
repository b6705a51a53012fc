/**
 * The mail outbox. Messages are written in the transaction of the change that causes them, so a
 * crash can neither lose one nor send one for a change that did not happen; delivery is a job.
 */
import { desc } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Beckon } from '../app';
import { mailOutbox, type SessionRequestRow } from '../db/schema';
import { sessionLink, userName } from './request-records';
import { getSettings } from './settings';

const escapeHtml = (text: string) =>
	text.replace(
		/[&<>"']/g,
		(c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string
	);

/** Header values must be single lines: user text never opens a new header. */
const oneLine = (text: string) => text.replace(/[\r\n]+/g, ' ').trim();

export function enqueueMail(
	app: Beckon,
	mail: { requestId: string | null; kind: string; recipient: string; subject: string; text: string }
) {
	const now = app.clock();
	app.db
		.insert(mailOutbox)
		.values({
			id: uuidv7(),
			requestId: mail.requestId,
			kind: mail.kind,
			recipient: oneLine(mail.recipient),
			subject: oneLine(mail.subject),
			text: mail.text,
			html: `<!doctype html><html><body><pre style="font-family:inherit;white-space:pre-wrap">${escapeHtml(mail.text)}</pre></body></html>`,
			status: 'pending',
			attempts: 0,
			nextAttemptAt: now,
			createdAt: now
		})
		.run();
}

/** The invitation to a new (or reopened) request, when it asks for email. */
export function enqueueInvitation(app: Beckon, row: SessionRequestRow) {
	if (!row.sendEmail || !row.recipientEmail) return;
	const organization = getSettings(app).organizationName;
	const agent = userName(app, row.assigneeId) ?? userName(app, row.createdBy) ?? organization;
	const when = row.scheduledAt
		? `\nScheduled for: ${new Date(row.scheduledAt).toUTCString()}\n`
		: '';
	enqueueMail(app, {
		requestId: row.id,
		kind: 'invitation',
		recipient: row.recipientEmail,
		subject: `${organization}: ${agent} invites you to a support session`,
		text: `Hello ${row.recipientName},\n\n${agent} of ${organization} invites you to a remote support session.${when}\nOpen this link to join (nothing to install):\n${sessionLink(app, row)}\n\nThe link expires on ${new Date(row.expiresAt).toUTCString()}.\n`
	});
}

export function listOutbox(app: Beckon, limit = 200) {
	return app.db
		.select()
		.from(mailOutbox)
		.orderBy(desc(mailOutbox.createdAt))
		.limit(limit)
		.all()
		.map((m) => ({
			...m,
			createdAt: new Date(m.createdAt).toISOString(),
			nextAttemptAt: new Date(m.nextAttemptAt).toISOString(),
			sentAt: m.sentAt === null ? null : new Date(m.sentAt).toISOString()
		}));
}
