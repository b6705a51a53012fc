/**
 * Session request mutations: the one implementation of each, used by the `requests.*`
 * procedures and by `sync.push` alike. Each runs in one transaction that updates the row, bumps
 * its version and appends its event.
 */
import { and, desc, eq, inArray } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import {
	conflict,
	DomainError,
	DomainErrorReason,
	forbidden,
	invalid
} from '../../lib/domain/errors';
import {
	canEdit,
	canRead,
	checkTimes,
	defaultExpiresAt,
	effectiveStatus,
	parseInstant,
	recipientChangeNeedsNewLink
} from '../../lib/domain/rules';
import { canTransition } from '../../lib/domain/lifecycle';
import type { Assignment, AssignmentInput, Language, SessionRequest } from '../../lib/domain/types';
import { write, type Beckon } from '../app';
import { takeVersions } from '../db';
import { queues, requestEvents, users, type SessionRequestRow } from '../db/schema';
import {
	mailForAssign,
	mailForClose,
	mailForCreate,
	mailForNewLink,
	mailForUpdate
} from './mail-triggers';
import {
	appendEvents,
	assignmentColumns,
	assignmentOf,
	eventsOf,
	findRow,
	insertRows,
	requestExists,
	loadVisibleRow,
	recordChange,
	type ChangeSpec,
	toSessionRequest,
	userName
} from './request-records';
import { defaultExpiryMs, expiryMsOf, getSettings, type Settings } from './settings';
import type { AuthUser } from './users';

export function requireRead(user: AuthUser) {
	if (!canRead(user)) throw forbidden('You have no access to session requests');
}

export function requireEdit(user: AuthUser) {
	requireRead(user);
	if (!canEdit(user)) throw forbidden('Your permission is view only');
}

/** Turns `me` into the acting agent and checks that the named agent or queue exists. */
function resolveAssignment(app: Beckon, user: AuthUser, input: AssignmentInput): Assignment {
	if (input.kind === 'me') return { kind: 'agent', userId: user.id };
	if (input.kind === 'agent') {
		const agent = app.db.select().from(users).where(eq(users.id, input.userId)).get();
		if (!agent || !agent.active) throw invalid('assignment.userId', 'is not an active user');
		if (agent.role !== 'admin' && agent.permission === 'none') {
			throw invalid('assignment.userId', 'has no access to session requests');
		}
	}
	if (input.kind === 'queue') {
		const queue = app.db.select().from(queues).where(eq(queues.id, input.queueId)).get();
		if (!queue) throw invalid('assignment.queueId', 'is not an existing queue');
	}
	return input;
}

const instantOrNull = (value: string | null | undefined, field: string) =>
	value === undefined || value === null ? null : parseInstant(value, field);

export interface CreateRequest {
	id?: string;
	recipientName: string;
	recipientEmail?: string | null;
	sendEmail?: boolean;
	emailLanguage?: Language;
	comments?: string;
	scheduledAt?: string | null;
	expiresAt?: string;
	assignment?: AssignmentInput;
}

/**
 * A create that passed every check: the new row, every column but its version decided (0 until
 * insertPlannedCreates takes one), ready to insert.
 */
export interface PlannedCreate {
	row: SessionRequestRow;
	assignment: Assignment;
}

/**
 * Everything createRequest checks and decides before writing, in its order (inside the caller's
 * write transaction, which the lookups of the id and the assignee need). For a batch of creates:
 * `pendingIds` are ids planned by the same batch but not inserted yet (a repeat of one is the
 * same conflict as a repeat of a stored one), `settings` the settings read once for the batch
 * and `expiryMs` their default expiry.
 */
export function planCreate(
	app: Beckon,
	user: AuthUser,
	input: CreateRequest,
	batch: { pendingIds?: ReadonlySet<string>; settings?: Settings; expiryMs?: number } = {}
): PlannedCreate {
	const { pendingIds, settings = getSettings(app) } = batch;
	requireEdit(user);
	const now = app.clock();
	const scheduledAt = instantOrNull(input.scheduledAt, 'scheduledAt');
	const expiresAt =
		input.expiresAt === undefined
			? defaultExpiresAt(now, scheduledAt, batch.expiryMs ?? expiryMsOf(app, settings))
			: parseInstant(input.expiresAt, 'expiresAt');
	checkTimes({ scheduledAt, expiresAt }, now);
	if (input.sendEmail && !input.recipientEmail) {
		throw invalid('recipientEmail', 'is required when sendEmail is true');
	}
	const id = input.id ?? uuidv7();
	// Ids are made by clients (so requests can be created offline); a repeat is a conflict.
	if (pendingIds?.has(id) || requestExists(app, id)) {
		throw conflict('A session request with this id already exists');
	}
	const assignment = resolveAssignment(app, user, input.assignment ?? { kind: 'me' });
	return {
		row: {
			id,
			recipientName: input.recipientName,
			recipientEmail: input.recipientEmail ?? null,
			sendEmail: input.sendEmail ?? false,
			emailLanguage: input.emailLanguage ?? settings.defaultLanguage,
			comments: input.comments ?? '',
			scheduledAt,
			expiresAt,
			...assignmentColumns(assignment),
			status: 'open',
			closedReason: null,
			connectRequested: false,
			linkVersion: 1,
			endUserSeenAt: null,
			reminderSentAt: null,
			createdBy: user.id,
			createdAt: now,
			updatedAt: now,
			statusChangedAt: now,
			version: 0,
			anonymizedAt: null
		},
		assignment
	};
}

/**
 * Inserts planned creates (inside the caller's transaction) with consecutive versions taken at
 * once — the versions they would get one by one — each with its `created` event and its mail,
 * and announces them once all are written. Returns the rows as inserted.
 */
export function insertPlannedCreates(
	app: Beckon,
	user: AuthUser,
	plans: readonly PlannedCreate[]
): SessionRequestRow[] {
	if (plans.length === 0) return [];
	const first = takeVersions(app.db, plans.length);
	const rows = plans.map(({ row }, k) => {
		row.version = first + k;
		return row;
	});
	insertRows(app, rows);
	appendEvents(
		app,
		plans.map(({ row, assignment }) => ({
			requestId: row.id,
			actor: user.id,
			type: 'created',
			data: { assignment },
			at: row.createdAt
		}))
	);
	for (const row of rows) mailForCreate(app, row, user.id);
	plans.forEach(({ row, assignment }) =>
		app.bus.hold({ requestId: row.id, after: { assignment, createdBy: user.id } })
	);
	return rows;
}

export function createRequest(app: Beckon, user: AuthUser, input: CreateRequest): SessionRequest {
	const [row] = write(app, () => insertPlannedCreates(app, user, [planCreate(app, user, input)]));
	return toSessionRequest(app, row, row.createdAt);
}

export interface UpdateRequest {
	id: string;
	recipientName?: string;
	recipientEmail?: string | null;
	sendEmail?: boolean;
	emailLanguage?: Language;
	comments?: string;
	scheduledAt?: string | null;
}

const EDITABLE = [
	'recipientName',
	'recipientEmail',
	'sendEmail',
	'emailLanguage',
	'comments',
	'scheduledAt'
] as const;

export function updateRequest(app: Beckon, user: AuthUser, input: UpdateRequest): SessionRequest {
	requireEdit(user);
	return mutate(app, user, input.id, (row) => {
		// A terminal (closed or expired) request is a conflict, whatever the input says.
		const now = app.clock();
		const state = { ...row, status: effectiveStatus(row.status, row.expiresAt, now) };
		const refusal = canTransition(state, 'update');
		if (refusal) throw refusal;
		const next = {
			recipientName: input.recipientName ?? row.recipientName,
			recipientEmail:
				input.recipientEmail === undefined ? row.recipientEmail : input.recipientEmail,
			sendEmail: input.sendEmail ?? row.sendEmail,
			emailLanguage: input.emailLanguage ?? row.emailLanguage,
			comments: input.comments ?? row.comments,
			scheduledAt:
				input.scheduledAt === undefined
					? row.scheduledAt
					: instantOrNull(input.scheduledAt, 'scheduledAt')
		};
		if (next.sendEmail && !next.recipientEmail) {
			throw invalid('recipientEmail', 'is required when sendEmail is true');
		}
		// Only a new schedule needs checking: an unchanged expiry may have passed mid-session.
		const scheduleChanged = next.scheduledAt !== row.scheduledAt;
		if (scheduleChanged) {
			checkTimes({ scheduledAt: next.scheduledAt, expiresAt: row.expiresAt }, now);
		}
		const changed = EDITABLE.filter((field) => next[field] !== row[field]);
		// A new recipient gets a new link; the old recipient's dies (rules.ts).
		const newLink = recipientChangeNeedsNewLink(row.recipientEmail, next.recipientEmail);
		return {
			action: 'update',
			patch: {
				...next,
				// A new schedule is reminded of anew.
				...(scheduleChanged ? { reminderSentAt: null } : {}),
				...(newLink ? { linkVersion: row.linkVersion + 1 } : {})
			},
			event: { type: 'updated', data: { fields: changed, ...(newLink ? { newLink } : {}) } },
			after: (updated) => mailForUpdate(app, row, updated)
		};
	});
}

export function assignRequest(
	app: Beckon,
	user: AuthUser,
	input: { id: string; assignment: AssignmentInput }
): SessionRequest {
	requireEdit(user);
	return mutate(app, user, input.id, (row) => {
		const assignment = resolveAssignment(app, user, input.assignment);
		return {
			action: 'assign',
			patch: assignmentColumns(assignment),
			event: { type: 'assigned', data: { from: assignmentOf(row), to: assignment } },
			after: (updated) => mailForAssign(app, row, updated, user.id)
		};
	});
}

/**
 * A queue member takes a queued (or unassigned) request. Transactions are serialised, so of two
 * agents taking at once the first one processed wins and the other is told who has it.
 */
export function takeRequest(app: Beckon, user: AuthUser, input: { id: string }): SessionRequest {
	requireEdit(user);
	try {
		return takeVisible(app, user, input);
	} catch (error) {
		// The losers of a race no longer see the request (it left their queue): tell them who won.
		const holder =
			error instanceof DomainError && error.reason === DomainErrorReason.notFound
				? takenFromUnderOf(app, user, input.id)
				: null;
		if (holder) throw conflict(`Already taken by ${holder}`);
		throw error;
	}
}

/**
 * The name of whoever took `id` out of one of `user`'s queues (or out of the unassigned pool,
 * which every agent sees), when that take is the latest change of its assignment; null
 * otherwise (so nothing is revealed to anyone else).
 */
function takenFromUnderOf(app: Beckon, user: AuthUser, id: string): string | null {
	const row = findRow(app, id);
	if (!row || row.assignmentKind !== 'agent' || !row.assigneeId) return null;
	const last = app.db
		.select()
		.from(requestEvents)
		.where(
			and(
				eq(requestEvents.requestId, id),
				inArray(requestEvents.type, ['created', 'assigned', 'taken'])
			)
		)
		.orderBy(desc(requestEvents.id))
		.limit(1)
		.get();
	const from = last?.type === 'taken' ? (last.data.from as Assignment | undefined) : undefined;
	const sawIt =
		from?.kind === 'unassigned' || (from?.kind === 'queue' && user.queueIds.includes(from.queueId));
	if (!sawIt) return null;
	if (last?.actor !== row.assigneeId) return null;
	return userName(app, row.assigneeId) ?? 'another agent';
}

function takeVisible(app: Beckon, user: AuthUser, input: { id: string }): SessionRequest {
	return mutate(app, user, input.id, (row) => {
		const assignment = assignmentOf(row);
		if (assignment.kind === 'agent') {
			const holder =
				assignment.userId === user.id
					? 'you'
					: (userName(app, assignment.userId) ?? 'another agent');
			throw conflict(`Already taken by ${holder}`);
		}
		if (
			assignment.kind === 'queue' &&
			user.role !== 'admin' &&
			!user.queueIds.includes(assignment.queueId)
		) {
			throw forbidden('Only members of the queue can take this request');
		}
		return {
			action: 'take',
			patch: assignmentColumns({ kind: 'agent', userId: user.id }),
			event: { type: 'taken', data: { from: assignment } }
		};
	});
}

/** Connecting and starting are for the assigned agent; others must take or be assigned first. */
function requireSessionOwner(user: AuthUser, row: SessionRequestRow) {
	const assignment = assignmentOf(row);
	if (user.role !== 'admin' && assignment.kind === 'agent' && assignment.userId !== user.id) {
		throw forbidden('Only the assigned agent or an admin can do this');
	}
}

export function requestConnect(app: Beckon, user: AuthUser, input: { id: string }): SessionRequest {
	requireEdit(user);
	return mutate(app, user, input.id, (row) => {
		requireSessionOwner(user, row);
		return { action: 'requestConnect', event: { type: 'connect_requested' } };
	});
}

export function startSession(app: Beckon, user: AuthUser, input: { id: string }): SessionRequest {
	requireEdit(user);
	return mutate(app, user, input.id, (row) => {
		requireSessionOwner(user, row);
		return { action: 'start', event: { type: 'session_started' } };
	});
}

export function endSession(app: Beckon, user: AuthUser, input: { id: string }): SessionRequest {
	requireEdit(user);
	return mutate(app, user, input.id, () => ({
		action: 'end',
		event: { type: 'session_ended' },
		after: (updated) => mailForClose(app, updated)
	}));
}

export function closeRequest(app: Beckon, user: AuthUser, input: { id: string }): SessionRequest {
	requireEdit(user);
	return mutate(app, user, input.id, () => ({
		action: 'close',
		event: { type: 'closed' },
		after: (updated) => mailForClose(app, updated)
	}));
}

export function reopenRequest(
	app: Beckon,
	user: AuthUser,
	input: { id: string; expiresAt?: string }
): SessionRequest {
	requireEdit(user);
	return mutate(app, user, input.id, (row) => {
		const now = app.clock();
		// A schedule already past means "now" once reopened; a future one is kept.
		const scheduledAt = row.scheduledAt !== null && row.scheduledAt > now ? row.scheduledAt : null;
		const expiresAt =
			input.expiresAt === undefined
				? defaultExpiresAt(now, scheduledAt, defaultExpiryMs(app))
				: parseInstant(input.expiresAt, 'expiresAt');
		checkTimes({ scheduledAt, expiresAt }, now, false);
		return {
			action: 'reopen',
			// The old link stays dead: reopening issues a new link version.
			patch: {
				scheduledAt,
				expiresAt,
				linkVersion: row.linkVersion + 1,
				endUserSeenAt: null,
				reminderSentAt: null
			},
			event: { type: 'reopened', data: { expiresAt: new Date(expiresAt).toISOString() } },
			after: (updated) => mailForNewLink(app, updated)
		};
	});
}

export function extendExpiry(
	app: Beckon,
	user: AuthUser,
	input: { id: string; expiresAt: string }
): SessionRequest {
	requireEdit(user);
	return mutate(app, user, input.id, (row) => {
		const expiresAt = parseInstant(input.expiresAt, 'expiresAt');
		checkTimes({ scheduledAt: row.scheduledAt, expiresAt }, app.clock(), false);
		return {
			action: 'extend',
			patch: { expiresAt },
			event: {
				type: 'expiry_extended',
				data: { from: new Date(row.expiresAt).toISOString(), to: input.expiresAt }
			}
		};
	});
}

export function regenerateLink(app: Beckon, user: AuthUser, input: { id: string }): SessionRequest {
	requireEdit(user);
	return mutate(app, user, input.id, (row) => ({
		action: 'regenerateLink',
		patch: { linkVersion: row.linkVersion + 1 },
		event: { type: 'link_regenerated' },
		after: (updated) => mailForNewLink(app, updated)
	}));
}

type MutationPlan = Omit<ChangeSpec, 'actor'> & { after?: (row: SessionRequestRow) => void };

/** Loads the row the user may see inside the write transaction, and records the planned change. */
function mutate(
	app: Beckon,
	user: AuthUser,
	id: string,
	plan: (row: SessionRequestRow) => MutationPlan
): SessionRequest {
	const row = write(app, () => {
		const current = loadVisibleRow(app, user, id);
		const { after, ...spec } = plan(current);
		const updated = recordChange(app, current, { ...spec, actor: user.id });
		after?.(updated);
		return updated;
	});
	return toSessionRequest(app, row, app.clock());
}

export function getRequest(app: Beckon, user: AuthUser, input: { id: string }) {
	requireRead(user);
	const row = loadVisibleRow(app, user, input.id);
	return { ...toSessionRequest(app, row, app.clock()), events: eventsOf(app, row.id) };
}
