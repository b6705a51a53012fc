/**
 * Reading and writing session request rows: the one place that turns rows into the public shape,
 * and the one place that records a change (row, version, event and notification together).
 */
import { and, eq, inArray } from 'drizzle-orm';
import { notFound } from '../../lib/domain/errors';
import { transition, type Action } from '../../lib/domain/lifecycle';
import { effectiveStatus, toIso } from '../../lib/domain/rules';
import type { Actor, Assignment, EventType, SessionRequest, Viewer } from '../../lib/domain/types';
import { canSee, type VisibilityFacts } from '../../lib/domain/visibility';
import type { Beckon } from '../app';
import { nextVersion } from '../db';
import { requestEvents, sessionRequests, users, type SessionRequestRow } from '../db/schema';
import { createLinkToken } from './link-tokens';

export function assignmentOf(row: SessionRequestRow): Assignment {
	if (row.assignmentKind === 'agent' && row.assigneeId) {
		return { kind: 'agent', userId: row.assigneeId };
	}
	if (row.assignmentKind === 'queue' && row.queueId) return { kind: 'queue', queueId: row.queueId };
	return { kind: 'unassigned' };
}

export function assignmentColumns(assignment: Assignment) {
	return {
		assignmentKind: assignment.kind,
		assigneeId: assignment.kind === 'agent' ? assignment.userId : null,
		queueId: assignment.kind === 'queue' ? assignment.queueId : null
	};
}

export function visibilityOf(row: SessionRequestRow): VisibilityFacts {
	return { assignment: assignmentOf(row), createdBy: row.createdBy };
}

export function sessionLink(app: Beckon, row: SessionRequestRow): string {
	return `${app.config.publicUrl}/s/${createLinkToken(app.secret, row.id, row.linkVersion)}`;
}

export function toSessionRequest(app: Beckon, row: SessionRequestRow, now: number): SessionRequest {
	const status = effectiveStatus(row.status, row.expiresAt, now);
	const terminal = status === 'closed' || status === 'expired';
	return {
		id: row.id,
		recipientName: row.recipientName,
		recipientEmail: row.recipientEmail,
		sendEmail: row.sendEmail,
		emailLanguage: row.emailLanguage,
		comments: row.comments,
		scheduledAt: toIso(row.scheduledAt),
		expiresAt: toIso(row.expiresAt),
		assignment: assignmentOf(row),
		status,
		closedReason: status === 'closed' ? row.closedReason : null,
		connectRequested: status === 'waiting' && row.connectRequested,
		endUserSeenAt: toIso(row.endUserSeenAt),
		createdBy: row.createdBy,
		createdAt: toIso(row.createdAt),
		updatedAt: toIso(row.updatedAt),
		statusChangedAt: toIso(status === row.status ? row.statusChangedAt : row.expiresAt),
		version: row.version,
		link: terminal ? null : sessionLink(app, row)
	};
}

export function findRow(app: Beckon, id: string): SessionRequestRow | undefined {
	return app.db.select().from(sessionRequests).where(eq(sessionRequests.id, id)).get();
}

/** The row if `viewer` may see it; otherwise NOT_FOUND, whether it exists or not. */
export function loadVisibleRow(app: Beckon, viewer: Viewer, id: string): SessionRequestRow {
	const row = findRow(app, id);
	if (!row || !canSee(viewer, visibilityOf(row))) throw notFound('No such session request');
	return row;
}

export function userName(app: Beckon, id: string | null): string | null {
	if (!id) return null;
	return (
		app.db.select({ name: users.name }).from(users).where(eq(users.id, id)).get()?.name ?? null
	);
}

export function eventsOf(app: Beckon, requestId: string) {
	return app.db
		.select()
		.from(requestEvents)
		.where(eq(requestEvents.requestId, requestId))
		.orderBy(requestEvents.id)
		.all()
		.map((e) => ({ ...e, at: toIso(e.at) }));
}

export interface ChangeSpec {
	action: Action;
	actor: Actor;
	event: { type: EventType; data?: Record<string, unknown> };
	/** Column changes besides those the lifecycle decides (status, closedReason, connect). */
	patch?: Partial<Omit<SessionRequestRow, 'id' | 'version' | 'createdAt' | 'createdBy'>>;
}

/**
 * Applies one lifecycle action to a row inside the caller's transaction: checks the transition
 * against the status every read would report, bumps the version, appends the event and holds a
 * notification for after the commit. Throws (and writes nothing) when the transition is illegal.
 */
export function recordChange(app: Beckon, row: SessionRequestRow, spec: ChangeSpec) {
	const now = app.clock();
	const current = {
		// Expiring writes down what reads already report, so it is judged by the stored status.
		status: spec.action === 'expire' ? row.status : effectiveStatus(row.status, row.expiresAt, now),
		connectRequested: row.connectRequested,
		closedReason: row.closedReason
	};
	const next = transition(current, spec.action);
	const version = nextVersion(app.db);
	const updated = app.db
		.update(sessionRequests)
		.set({
			...spec.patch,
			status: next.status,
			closedReason: next.closedReason,
			connectRequested: next.connectRequested,
			statusChangedAt: next.status !== row.status ? now : row.statusChangedAt,
			updatedAt: now,
			version
		})
		.where(and(eq(sessionRequests.id, row.id), eq(sessionRequests.version, row.version)))
		.returning()
		.get();
	if (!updated) throw new Error(`session request ${row.id} changed under a write transaction`);
	appendEvent(app, row.id, spec.actor, spec.event.type, spec.event.data ?? {}, now);
	app.bus.hold({ requestId: row.id, before: visibilityOf(row), after: visibilityOf(updated) });
	return updated;
}

export function appendEvent(
	app: Beckon,
	requestId: string,
	actor: Actor,
	type: EventType,
	data: Record<string, unknown>,
	at: number
) {
	app.db.insert(requestEvents).values({ requestId, actor, type, data, at }).run();
}

export function rowsByIds(app: Beckon, ids: string[]) {
	return ids.length === 0
		? []
		: app.db.select().from(sessionRequests).where(inArray(sessionRequests.id, ids)).all();
}
