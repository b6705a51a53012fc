/**
 * Which written change pushes to whom. Called by the one write path (request-records.ts
 * `writeRows`, and the creates' `insertPlannedCreates`) inside the transaction of the change, so
 * the pushes commit with it or not at all. The rule is the shared one of lib/domain/alerts.ts
 * (the app's toasts run it on synced rows): only changes someone should act on alert, and they
 * go to the agents responsible for the request, never to the one who made the change.
 *
 * Writes that alert are few (the end user's moves, assignments, reminders); for every other write
 * (presence, expiries, timeline notes) this is a comparison of a few fields and no query.
 */
import { and, eq, inArray, ne, or } from 'drizzle-orm';
import { alertOf, firstNameOf, responsibleFor, type AlertKind } from '../../lib/domain/alerts';
import type { Actor } from '../../lib/domain/types';
import type { Beckon } from '../app';
import { pushSubscriptions, queueMembers, users, type SessionRequestRow } from '../db/schema';
import { enqueuePushes, tagOf, type NewPush } from './push';
import { assignmentOf } from './request-records';

/** One written row: as it was (null: new), as it is, and who changed it. */
export interface WrittenChange {
	before: SessionRequestRow | null;
	after: SessionRequestRow;
	actor: Actor | null;
}

function factsOf(row: SessionRequestRow) {
	return {
		status: row.status,
		closedReason: row.closedReason,
		assignment: assignmentOf(row),
		reminderSentAt: row.reminderSentAt
	};
}

/** Active users among `ids` who may see requests (admins, or agents with view or edit). */
function reachable(app: Beckon, ids: readonly string[]): Set<string> {
	if (ids.length === 0) return new Set();
	const found = app.db
		.select({ id: users.id })
		.from(users)
		.where(
			and(
				inArray(users.id, [...ids]),
				eq(users.active, true),
				or(eq(users.role, 'admin'), ne(users.permission, 'none'))
			)
		)
		.all();
	return new Set(found.map((u) => u.id));
}

/**
 * The members of `queueIds` who have a device to push to: only they can receive a push, and a
 * queue of a thousand agents (bench row 12) made every create in it look up and filter a
 * thousand ids twice when most have none.
 */
function membersOf(app: Beckon, queueIds: readonly string[]): Map<string, string[]> {
	const members = new Map<string, string[]>();
	if (queueIds.length === 0) return members;
	for (const m of app.db
		.selectDistinct({ queueId: queueMembers.queueId, userId: queueMembers.userId })
		.from(queueMembers)
		.innerJoin(pushSubscriptions, eq(pushSubscriptions.userId, queueMembers.userId))
		.where(inArray(queueMembers.queueId, [...queueIds]))
		.all()) {
		members.set(m.queueId, [...(members.get(m.queueId) ?? []), m.userId]);
	}
	return members;
}

/** Queues the pushes `changes` call for, inside the caller's transaction. */
export function pushForChanges(app: Beckon, changes: readonly WrittenChange[]) {
	const alerts: { change: WrittenChange; kind: AlertKind }[] = [];
	for (const change of changes) {
		// An anonymised request has nobody left to name.
		if (change.after.anonymizedAt !== null) continue;
		const kind = alertOf(change.before && factsOf(change.before), factsOf(change.after));
		if (kind) alerts.push({ change, kind });
	}
	if (alerts.length === 0) return;

	const responsible = alerts.map(({ change }) =>
		responsibleFor(assignmentOf(change.after), change.after.createdBy)
	);
	const members = membersOf(
		app,
		responsible.flatMap((r) => (r && 'queueId' in r ? [r.queueId] : []))
	);
	// Never the one who made the change (an agent's own create, assignment or take).
	const candidates = responsible.map((r, i) =>
		(!r ? [] : 'queueId' in r ? (members.get(r.queueId) ?? []) : [r.userId]).filter(
			(id) => id !== alerts[i].change.actor
		)
	);
	const everyone = [...new Set(candidates.flat())];
	if (everyone.length === 0) return;
	const allowed = reachable(app, everyone);

	const pushes: NewPush[] = alerts.map(({ change, kind }, i) => ({
		userIds: candidates[i].filter((id) => allowed.has(id)),
		payload: {
			requestId: change.after.id,
			status: change.after.status,
			kind,
			firstName: firstNameOf(change.after.recipientName),
			tag: tagOf(change.after.id)
		}
	}));
	enqueuePushes(app, pushes);
}
