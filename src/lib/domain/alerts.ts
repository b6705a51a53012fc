/**
 * When a change of a request calls for an agent to act, and whom it calls: the one rule behind
 * the app's toasts, its system notifications and its counter (on the device, from synced rows)
 * and the server's Web Push (from the rows it writes).
 */
import type { Assignment, ClosedReason, Status } from './types';

/**
 * What happened, in the order the settings list them: the end user opened the link, allowed the
 * session, declined; the request was assigned to the agent, landed in one of their queues; its
 * scheduled session is due (the reminder moment).
 */
export const ALERT_KINDS = ['waiting', 'ready', 'declined', 'assigned', 'queued', 'due'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** An agent's choice: which alerts reach them, and whether the app plays a sound with one. */
export interface NotificationPreferences {
	events: AlertKind[];
	sound: boolean;
}

/** The facts of a request an alert depends on. */
export interface AlertFacts {
	status: Status;
	closedReason: ClosedReason | null;
	assignment: Assignment;
	/** Set when the scheduled session's reminder moment has come (server only). */
	reminderSentAt?: number | null;
}

const sameAssignment = (a: Assignment, b: Assignment) =>
	a.kind === b.kind &&
	(a.kind !== 'agent' || a.userId === (b as { userId: string }).userId) &&
	(a.kind !== 'queue' || a.queueId === (b as { queueId: string }).queueId);

/**
 * The alert a change from `before` (null: the request is new) to `after` calls for, or null. A
 * change of status wins over a change of assignment made with it (a take of a waiting request
 * is not news to the one taking it).
 */
export function alertOf(before: AlertFacts | null, after: AlertFacts): AlertKind | null {
	if (before && before.status !== after.status) {
		if (after.status === 'waiting') return 'waiting';
		if (after.status === 'ready') return 'ready';
		if (after.status === 'closed' && after.closedReason === 'declined_by_user') return 'declined';
	}
	if (!before || !sameAssignment(before.assignment, after.assignment)) {
		if (after.assignment.kind === 'agent') return 'assigned';
		if (after.assignment.kind === 'queue') return 'queued';
	}
	if (before && before.reminderSentAt == null && after.reminderSentAt != null) return 'due';
	return null;
}

/**
 * Who should act on a request: its agent; else its queue's members; else, unassigned, the agent
 * who made it (nobody for one an end user asked for on a help page: `createdBy` null).
 */
export type Responsible = { userId: string } | { queueId: string } | null;

export function responsibleFor(assignment: Assignment, createdBy: string | null): Responsible {
	if (assignment.kind === 'agent') return { userId: assignment.userId };
	if (assignment.kind === 'queue') return { queueId: assignment.queueId };
	return createdBy === null ? null : { userId: createdBy };
}

/** Whether `viewer` (their id and queues) is among those who should act on the request. */
export function isResponsible(
	viewer: { id: string; queueIds: readonly string[] },
	request: { assignment: Assignment; createdBy: string }
): boolean {
	const responsible = responsibleFor(request.assignment, request.createdBy);
	if (!responsible) return false;
	return 'userId' in responsible
		? responsible.userId === viewer.id
		: viewer.queueIds.includes(responsible.queueId);
}

/** Statuses in which the end user is waiting on the agent: they opened the link, or allowed. */
export const WAITING_ON_AGENT: readonly Status[] = ['waiting', 'ready'];

/** How many of `requests` wait on `viewer`: the app's title and badge count. */
export function countWaitingOn(
	viewer: { id: string; queueIds: readonly string[] },
	requests: Iterable<{ status: Status; assignment: Assignment; createdBy: string }>
): number {
	let count = 0;
	for (const request of requests) {
		if (WAITING_ON_AGENT.includes(request.status) && isResponsible(viewer, request)) count++;
	}
	return count;
}

/** The recipient's first name: what a notification may say about the end user, and no more. */
export function firstNameOf(recipientName: string): string {
	return recipientName.trim().split(/\s+/)[0] ?? '';
}
