/** `requests.list`: the requests a user may see, filtered, searched and paged by keyset. */
import { withLinkFor } from './link-access';
import { and, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import { invalid } from '../../lib/domain/errors';
import {
	EXPIRABLE_STATUSES,
	type AssignmentInput,
	type SessionRequest,
	type Status,
	type Viewer
} from '../../lib/domain/types';
import type { Beckon } from '../app';
import { sessionRequests as r } from '../db/schema';
import { toSessionRequest } from './request-records';
import { requireRead } from './requests';
import type { AuthUser } from './users';

export interface ListRequests {
	status?: Status[];
	assignment?: AssignmentInput;
	scheduled?: 'upcoming' | 'past';
	search?: string;
	cursor?: string;
	limit?: number;
}

/** The status every read reports, in SQL: live requests past their expiry are expired. */
export const effectiveStatusSql = (now: number) =>
	sql<Status>`CASE WHEN ${inArray(r.status, [...EXPIRABLE_STATUSES])} AND ${r.expiresAt} <= ${now} THEN 'expired' ELSE ${r.status} END`;

/**
 * The visibility rule of the domain (`canSee`), as a WHERE clause (undefined: sees everything);
 * request-list.spec.ts checks the two agree on generated viewers and requests.
 */
export function visibleToSql(user: Viewer): SQL | undefined {
	if (user.role === 'admin') return undefined;
	if (user.permission === 'none') return sql`1 = 0`;
	return or(
		eq(r.assignmentKind, 'unassigned'),
		eq(r.assigneeId, user.id),
		eq(r.createdBy, user.id),
		user.queueIds.length > 0 ? inArray(r.queueId, [...user.queueIds]) : undefined
	);
}

function assignmentFilter(user: AuthUser, assignment: AssignmentInput): SQL | undefined {
	switch (assignment.kind) {
		case 'unassigned':
			return eq(r.assignmentKind, 'unassigned');
		case 'me':
			return eq(r.assigneeId, user.id);
		case 'agent':
			return eq(r.assigneeId, assignment.userId);
		case 'queue':
			return eq(r.queueId, assignment.queueId);
	}
}

interface Cursor {
	createdAt: number;
	id: string;
}

function encodeCursor(c: Cursor) {
	return Buffer.from(JSON.stringify([c.createdAt, c.id])).toString('base64url');
}

function decodeCursor(text: string): Cursor {
	try {
		const [createdAt, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
		if (typeof createdAt === 'number' && typeof id === 'string') return { createdAt, id };
	} catch {
		// fall through to the error below
	}
	throw invalid('cursor', 'is not a cursor returned by requests.list');
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export function listRequests(
	app: Beckon,
	user: AuthUser,
	input: ListRequests = {}
): { items: SessionRequest[]; nextCursor: string | null } {
	requireRead(user);
	const now = app.clock();
	const limit = input.limit ?? 50;
	const conditions: (SQL | undefined)[] = [visibleToSql(user)];
	if (input.status && input.status.length > 0) {
		conditions.push(inArray(effectiveStatusSql(now), input.status));
	}
	if (input.assignment) conditions.push(assignmentFilter(user, input.assignment));
	if (input.scheduled === 'upcoming') conditions.push(sql`${r.scheduledAt} > ${now}`);
	if (input.scheduled === 'past') conditions.push(sql`${r.scheduledAt} <= ${now}`);
	if (input.search) {
		const pattern = `%${escapeLike(input.search)}%`;
		// Whatever the case of its letters: SQLite's LIKE ignores ASCII case, PostgreSQL's ILIKE does.
		const like = sql.raw(app.dialect === 'postgres' ? 'ILIKE' : 'LIKE');
		conditions.push(
			sql`(${r.recipientName} ${like} ${pattern} ESCAPE '\\' OR ${r.recipientEmail} ${like} ${pattern} ESCAPE '\\' OR ${r.comments} ${like} ${pattern} ESCAPE '\\')`
		);
	}
	if (input.cursor) {
		const c = decodeCursor(input.cursor);
		conditions.push(
			or(lt(r.createdAt, c.createdAt), and(eq(r.createdAt, c.createdAt), lt(r.id, c.id)))
		);
	}
	const rows = app.db
		.select()
		.from(r)
		.where(and(...conditions))
		.orderBy(desc(r.createdAt), desc(r.id))
		.limit(limit + 1)
		.all();
	const page = rows.slice(0, limit);
	const last = page.at(-1);
	return {
		items: page.map((row) => withLinkFor(user, toSessionRequest(app, row, now))),
		nextCursor: rows.length > limit && last ? encodeCursor(last) : null
	};
}
