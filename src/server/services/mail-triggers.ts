/**
 * Which change sends which email. Each function runs inside the transaction of the change (the
 * `after` hook of a request mutation, the end user's decline or end, the expiry sweep, the
 * reminder job), so the outbox row and the change commit together or not at all.
 *
 * End users get mail only when the request says `sendEmail`, in its `emailLanguage`. Agents get
 * mail at their account address, in their own app language (else the organisation's default
 * language), about requests assigned to them by someone else and before their scheduled sessions.
 */
import { eq } from 'drizzle-orm';
import type { Language } from '../../lib/domain/types';
import type { Beckon } from '../app';
import { users, type SessionRequestRow } from '../db/schema';
import { addressOf } from '../mail/format';
import { sessionCalendar, type CalendarMethod, type CalendarPart } from '../mail/ics';
import type { RenderedMail } from '../mail/layout';
import {
	assignedMail,
	assigneeReminderMail,
	closedMail,
	expiredMail,
	invitationMail,
	reminderMail,
	scheduleChangedMail,
	type AgentFacts,
	type EndUserFacts
} from '../mail/templates';
import { enqueueMail } from './mail';
import { sessionLink, userName } from './request-records';
import { getSettings } from './settings';

/** The end user's address, when the request asks for email. */
function endUserAddress(row: SessionRequestRow): string | null {
	return row.sendEmail && row.recipientEmail ? row.recipientEmail : null;
}

function endUserFacts(app: Beckon, row: SessionRequestRow, live: boolean): EndUserFacts {
	const organization = getSettings(app).organizationName;
	return {
		language: row.emailLanguage,
		organization,
		// The same name the link page shows.
		agentName: userName(app, row.assigneeId) ?? userName(app, row.createdBy) ?? organization,
		recipientName: row.recipientName,
		link: live ? sessionLink(app, row) : null,
		scheduledAt: row.scheduledAt,
		expiresAt: row.expiresAt,
		timeZone: row.timeZone
	};
}

function calendarFor(
	app: Beckon,
	row: SessionRequestRow,
	facts: EndUserFacts,
	method: CalendarMethod
): CalendarPart | null {
	const address = endUserAddress(row);
	if (row.scheduledAt === null || !address) return null;
	return sessionCalendar({
		method,
		requestId: row.id,
		sequence: row.version,
		start: row.scheduledAt,
		timeZone: row.timeZone,
		stamp: app.clock(),
		language: row.emailLanguage,
		agentName: facts.agentName,
		organization: facts.organization,
		link: facts.link,
		organizer: { name: facts.agentName, email: addressOf(app.config.mailFrom) },
		attendee: { name: row.recipientName, email: address }
	});
}

function toEndUser(
	app: Beckon,
	row: SessionRequestRow,
	kind: 'invitation' | 'schedule_changed' | 'closed' | 'expired' | 'reminder',
	render: (facts: EndUserFacts) => { rendered: RenderedMail; calendar?: CalendarPart | null },
	live = true
) {
	const address = endUserAddress(row);
	if (!address) return;
	const { rendered, calendar } = render(endUserFacts(app, row, live));
	enqueueMail(app, {
		requestId: row.id,
		kind,
		to: { address, name: row.recipientName },
		rendered,
		calendar
	});
}

function invite(app: Beckon, row: SessionRequestRow) {
	toEndUser(app, row, 'invitation', (facts) => {
		const calendar = calendarFor(app, row, facts, 'REQUEST');
		return { rendered: invitationMail(facts, calendar ? 'attached' : null), calendar };
	});
}

interface Agent {
	id: string;
	name: string;
	email: string;
	/** The agent's own app language, which their mail speaks too; null: the organisation's. */
	language: Language | null;
}

function activeAgent(app: Beckon, id: string | null): Agent | null {
	if (!id) return null;
	const user = app.db
		.select({
			id: users.id,
			name: users.name,
			email: users.email,
			language: users.language,
			active: users.active
		})
		.from(users)
		.where(eq(users.id, id))
		.get();
	return user?.active ? user : null;
}

function agentFacts(app: Beckon, row: SessionRequestRow, agent: Agent): AgentFacts {
	const settings = getSettings(app);
	return {
		language: agent.language ?? settings.defaultLanguage,
		organization: settings.organizationName,
		agentName: agent.name,
		recipientName: row.recipientName,
		recipientEmail: row.recipientEmail,
		scheduledAt: row.scheduledAt,
		timeZone: row.timeZone,
		comments: row.comments,
		appUrl: `${app.config.publicUrl}/`
	};
}

/** Tells the agent now holding `row` that it is theirs, unless they took it themselves. */
function noticeToAssignee(app: Beckon, row: SessionRequestRow, actorId: string, note?: string) {
	if (row.assignmentKind !== 'agent' || row.assigneeId === actorId) return;
	const agent = activeAgent(app, row.assigneeId);
	if (!agent) return;
	enqueueMail(app, {
		requestId: row.id,
		kind: 'assigned',
		to: { address: agent.email, name: agent.name },
		rendered: assignedMail({ ...agentFacts(app, row, agent), note }, userName(app, actorId))
	});
}

export function mailForCreate(app: Beckon, row: SessionRequestRow, actorId: string) {
	invite(app, row);
	noticeToAssignee(app, row, actorId);
}

/** A new link (reopen, regenerate) kills the emailed one: the end user gets a new invitation. */
export function mailForNewLink(app: Beckon, row: SessionRequestRow) {
	invite(app, row);
}

/**
 * Email just became possible (turned on, or a new address): the invitation. Otherwise a new
 * schedule: the updated invitation, whose calendar part moves the event (or cancels it when the
 * schedule was removed). Other edits send nothing.
 */
export function mailForUpdate(app: Beckon, before: SessionRequestRow, after: SessionRequestRow) {
	const address = endUserAddress(after);
	if (!address) return;
	if (endUserAddress(before) !== address) {
		invite(app, after);
		return;
	}
	if (before.scheduledAt === after.scheduledAt) return;
	toEndUser(app, after, 'schedule_changed', (facts) => {
		// The event exists in the recipient's calendar only if the old schedule was sent.
		const calendar =
			after.scheduledAt !== null
				? calendarFor(app, after, facts, 'REQUEST')
				: before.scheduledAt !== null
					? calendarFor(app, { ...after, scheduledAt: before.scheduledAt }, facts, 'CANCEL')
					: null;
		const note = calendar ? (calendar.method === 'CANCEL' ? 'cancelled' : 'attached') : null;
		return { rendered: scheduleChangedMail(facts, note), calendar };
	});
}

export function mailForAssign(
	app: Beckon,
	before: SessionRequestRow,
	after: SessionRequestRow,
	actorId: string,
	note?: string
) {
	const changed =
		after.assignmentKind !== before.assignmentKind || after.assigneeId !== before.assigneeId;
	if (changed) noticeToAssignee(app, after, actorId, note);
}

/** Closed by the agent, declined by the end user, or ended after the session. */
export function mailForClose(app: Beckon, row: SessionRequestRow) {
	const reason = row.closedReason ?? 'closed_by_agent';
	toEndUser(
		app,
		row,
		'closed',
		(facts) => {
			// A session that took place stays in the calendar as the record of it.
			const calendar = reason === 'completed' ? null : calendarFor(app, row, facts, 'CANCEL');
			return { rendered: closedMail(facts, reason, calendar ? 'cancelled' : null), calendar };
		},
		false
	);
}

export function mailForExpiry(app: Beckon, row: SessionRequestRow) {
	toEndUser(
		app,
		row,
		'expired',
		(facts) => {
			const calendar = calendarFor(app, row, facts, 'CANCEL');
			return { rendered: expiredMail(facts, calendar ? 'cancelled' : null), calendar };
		},
		false
	);
}

/** The reminders before a scheduled session: to the end user and to the assigned agent. */
export function mailReminders(app: Beckon, row: SessionRequestRow & { scheduledAt: number }) {
	toEndUser(app, row, 'reminder', (facts) => ({
		rendered: reminderMail({ ...facts, scheduledAt: row.scheduledAt })
	}));
	const agent = row.assignmentKind === 'agent' ? activeAgent(app, row.assigneeId) : null;
	if (!agent) return;
	enqueueMail(app, {
		requestId: row.id,
		kind: 'assignee_reminder',
		to: { address: agent.email, name: agent.name },
		rendered: assigneeReminderMail({
			...agentFacts(app, row, agent),
			scheduledAt: row.scheduledAt
		})
	});
}
