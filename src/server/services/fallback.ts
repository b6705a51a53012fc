/**
 * Fallback when an agent leaves: their live requests go to the queue each last came from, else
 * the organisation's fallback queue, else unassigned (`fallbackTarget` in the domain plans).
 * Runs inside the transaction that deactivates, downgrades or removes the agent, so no moment
 * exists where a request belongs to someone who can no longer act on it; each move is an
 * ordinary versioned write (event `fallback` naming why, a notification for the devices that
 * now see it). The link version is untouched: the end user's link keeps working.
 */
import { and, desc, eq, inArray } from 'drizzle-orm';
import { fallbackTarget, type FallbackReason } from '../../lib/domain/plans';
import { effectiveStatus } from '../../lib/domain/rules';
import type { Assignment, Status } from '../../lib/domain/types';
import type { Beckon } from '../app';
import { queues, requestEvents, sessionRequests, type SessionRequestRow } from '../db/schema';
import { mailForAssign } from './mail-triggers';
import { assignmentOf, recordChange } from './request-records';
import { getSettings } from './settings';

/** The events that move a request, with where it went (`to`/`assignment`) and came from. */
const MOVES = ['created', 'assigned', 'taken', 'transferred', 'fallback'] as const;
const CHUNK = 500;

const queueIdOf = (value: unknown): string | null => {
	const a = value as Assignment | undefined;
	return a?.kind === 'queue' && typeof a.queueId === 'string' ? a.queueId : null;
};

/**
 * The queue each request was last in, from its timeline: the newest move naming a queue, where
 * it went (`to`, `assignment`) counting before where it came from (`from`).
 */
function lastQueues(app: Beckon, ids: readonly string[]): Map<string, string> {
	const found = new Map<string, string>();
	for (let start = 0; start < ids.length; start += CHUNK) {
		const events = app.db
			.select({ requestId: requestEvents.requestId, data: requestEvents.data })
			.from(requestEvents)
			.where(
				and(
					inArray(requestEvents.requestId, ids.slice(start, start + CHUNK)),
					inArray(requestEvents.type, [...MOVES])
				)
			)
			.orderBy(desc(requestEvents.id))
			.all();
		for (const { requestId, data } of events) {
			if (found.has(requestId)) continue;
			const queueId = queueIdOf(data.to) ?? queueIdOf(data.assignment) ?? queueIdOf(data.from);
			if (queueId) found.set(requestId, queueId);
		}
	}
	return found;
}

function queueExists(app: Beckon, id: string | null): id is string {
	return !!id && !!app.db.select({ id: queues.id }).from(queues).where(eq(queues.id, id)).get();
}

/** The organisation's fallback queue, if set and still there. */
export function fallbackQueueId(app: Beckon): string | null {
	const id = getSettings(app).fallbackQueueId;
	return queueExists(app, id) ? id : null;
}

/** A request the agent holds that can still move: live, and not past its expiry. */
function movable(row: SessionRequestRow, now: number, withSessions: boolean): boolean {
	const status: Status = effectiveStatus(row.status, row.expiresAt, now);
	if (status === 'connected') return withSessions;
	return status === 'open' || status === 'waiting' || status === 'ready';
}

/**
 * Moves `agentId`'s live requests away (inside the caller's write transaction). `deactivated`
 * and `downgraded` move every open, waiting and ready request; `deactivated` also ends a running
 * session (the screen must stop reaching someone who left: the request goes back to waiting, and
 * whoever helps next asks the end user again), while a downgraded agent's session stays for an
 * admin to end (their signalling stream ends with their edit permission). `left_queue` moves
 * only those that came from `queueId`, back to it, and leaves sessions be. Returns how many
 * requests moved.
 */
export function fallBack(
	app: Beckon,
	agentId: string,
	reason: FallbackReason,
	actor: string,
	queueId?: string
): number {
	const now = app.clock();
	const rows = app.db
		.select()
		.from(sessionRequests)
		.where(
			and(eq(sessionRequests.assignmentKind, 'agent'), eq(sessionRequests.assigneeId, agentId))
		)
		.all()
		.filter((row) => movable(row, now, reason === 'deactivated'));
	if (rows.length === 0) return 0;
	const last = lastQueues(
		app,
		rows.map((row) => row.id)
	);
	const fallbackQueue = reason === 'left_queue' ? null : fallbackQueueId(app);
	let moved = 0;
	for (const row of rows) {
		const lastQueue = last.get(row.id) ?? null;
		if (reason === 'left_queue' && lastQueue !== queueId) continue;
		const { to, via } = fallbackTarget(
			queueExists(app, lastQueue) ? lastQueue : null,
			fallbackQueue
		);
		const sessionEnded = effectiveStatus(row.status, row.expiresAt, now) === 'connected';
		const updated = recordChange(app, row, {
			action: sessionEnded ? 'interrupt' : 'assign',
			actor,
			patch: {
				assignmentKind: to.kind,
				assigneeId: null,
				queueId: to.kind === 'queue' ? to.queueId : null
			},
			event: {
				type: 'fallback',
				data: { from: assignmentOf(row), to, reason, via, ...(sessionEnded && { sessionEnded }) }
			}
		});
		mailForAssign(app, row, updated, actor);
		moved += 1;
	}
	return moved;
}
