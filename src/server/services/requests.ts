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
	planAssign,
	planClose,
	planCreate as planNewRequest,
	planEnd,
	planExtend,
	planRegenerateLink,
	planReopen,
	planRequestConnect,
	planStart,
	planTake,
	planTransfer,
	planUpdate,
	type CreateInput,
	type Plan,
	type PlanContext,
	type RequestFacts,
	type RequestFields,
	type TransferInput,
	type UpdateInput
} from '../../lib/domain/plans';
import { canEdit, canRead } from '../../lib/domain/rules';
import type {
	Assignment,
	AssignmentInput,
	EventType,
	SessionRequest
} from '../../lib/domain/types';
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
	userName,
	webhookData
} from './request-records';
import { pushForChanges } from './push-triggers';
import { enqueueWebhooks } from './webhooks';
import { defaultExpiryMs, expiryMsOf, getSettings, type Settings } from './settings';
import type { AuthUser } from './users';

export function requireRead(user: AuthUser) {
	if (!canRead(user)) throw forbidden('You have no access to session requests');
}

export function requireEdit(user: AuthUser) {
	requireRead(user);
	if (!canEdit(user)) throw forbidden('Your permission is view only');
}

/** The server's part of an assignment's rules: the named agent or queue exists (the plan resolved `me`). */
function checkAssignee(app: Beckon, user: AuthUser, assignment: Assignment) {
	if (assignment.kind === 'agent' && assignment.userId !== user.id) {
		const agent = app.db.select().from(users).where(eq(users.id, assignment.userId)).get();
		if (!agent || !agent.active) throw invalid('assignment.userId', 'is not an active user');
		if (agent.role !== 'admin' && agent.permission === 'none') {
			throw invalid('assignment.userId', 'has no access to session requests');
		}
	}
	if (assignment.kind === 'queue') {
		const queue = app.db.select().from(queues).where(eq(queues.id, assignment.queueId)).get();
		if (!queue) throw invalid('assignment.queueId', 'is not an existing queue');
	}
}

/** Who acts, and when, as the shared plans take it. */
function contextOf(app: Beckon, user: AuthUser): PlanContext {
	return {
		userId: user.id,
		isAdmin: user.role === 'admin',
		queueIds: user.queueIds,
		now: app.clock()
	};
}

/** A row as the shared plans read it. */
function factsOf(row: SessionRequestRow): RequestFacts {
	return { ...row, assignment: assignmentOf(row) };
}

/** A plan's fields as columns. */
function columnsOf(patch: Partial<RequestFields>) {
	const { assignment, ...rest } = patch;
	return { ...rest, ...(assignment && assignmentColumns(assignment)) };
}

export type CreateRequest = CreateInput & { id?: string };

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
 * same conflict as a repeat of a stored one), `storedIds` those of the ids the batch's creates
 * give that are stored (looked up at once), `settings` the settings read once for the batch
 * and `expiryMs` their default expiry.
 */
export function planCreate(
	app: Beckon,
	user: AuthUser,
	input: CreateRequest,
	batch: {
		pendingIds?: ReadonlySet<string>;
		storedIds?: ReadonlySet<string>;
		settings?: Settings;
		expiryMs?: number;
	} = {}
): PlannedCreate {
	const { pendingIds, storedIds, settings = getSettings(app) } = batch;
	requireEdit(user);
	const now = app.clock();
	const ctx = {
		userId: user.id,
		isAdmin: user.role === 'admin',
		queueIds: user.queueIds,
		now,
		defaultExpiryMs: batch.expiryMs ?? expiryMsOf(app, settings),
		defaultLanguage: settings.defaultLanguage
	};
	const id = input.id ?? uuidv7();
	const stored = storedIds && input.id !== undefined ? storedIds.has(id) : requestExists(app, id);
	const fields = planNewRequest(input, ctx, !!pendingIds?.has(id) || stored);
	const { assignment } = fields;
	checkAssignee(app, user, assignment);
	// Written out, not spread together: a push of 500 creates builds 500 of these.
	return {
		row: {
			id,
			recipientName: fields.recipientName,
			recipientEmail: fields.recipientEmail,
			sendEmail: fields.sendEmail,
			emailLanguage: fields.emailLanguage,
			comments: fields.comments,
			scheduledAt: fields.scheduledAt,
			timeZone: fields.timeZone,
			expiresAt: fields.expiresAt,
			assignmentKind: assignment.kind,
			assigneeId: assignment.kind === 'agent' ? assignment.userId : null,
			queueId: assignment.kind === 'queue' ? assignment.queueId : null,
			status: 'open',
			closedReason: null,
			connectRequested: false,
			linkVersion: 1,
			endUserSeenAt: fields.endUserSeenAt,
			reminderSentAt: null,
			createdBy: user.id,
			source: 'agent',
			createdAt: now,
			updatedAt: now,
			statusChangedAt: now,
			version: 0,
			anonymizedAt: null,
			firstOpenedAt: null,
			sessionStartedAt: null,
			sessionEndedAt: null
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
	announceCreated(app, rows, user.id);
	plans.forEach(({ row, assignment }) =>
		app.bus.hold({
			requestId: row.id,
			after: { assignment, createdBy: user.id },
			written: { row }
		})
	);
	return rows;
}

/**
 * What every new request sets off in the transaction that makes it, whoever made it (an agent, or
 * an end user on a help page): the pushes to the agents who should act on it, and the webhooks.
 */
export function announceCreated(app: Beckon, rows: readonly SessionRequestRow[], actor: string) {
	pushForChanges(
		app,
		rows.map((row) => ({ before: null, after: row, actor }))
	);
	enqueueWebhooks(
		app,
		rows.map((row) => ({
			type: 'request.created',
			requestId: row.id,
			data: () => webhookData(app, row, row.createdAt)
		}))
	);
}

export function createRequest(app: Beckon, user: AuthUser, input: CreateRequest): SessionRequest {
	const [row] = write(app, () => insertPlannedCreates(app, user, [planCreate(app, user, input)]));
	return toSessionRequest(app, row, row.createdAt);
}

export type UpdateRequest = UpdateInput & { id: string };

export function updateRequest(app: Beckon, user: AuthUser, input: UpdateRequest): SessionRequest {
	requireEdit(user);
	return mutate(app, user, input.id, (row) => {
		const plan = planUpdate(factsOf(row), input, contextOf(app, user));
		const change = changeOf(row, plan);
		return {
			...change,
			// A new schedule is reminded of anew.
			...(plan.scheduleChanged && { patch: { ...change.patch, reminderSentAt: null } }),
			// A new recipient gets a new link; the old recipient's dies (rules.ts).
			event: {
				type: 'updated',
				data: { fields: plan.changed, ...(plan.newLink && { newLink: true }) }
			},
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
		const plan = planAssign(factsOf(row), input, contextOf(app, user));
		checkAssignee(app, user, plan.assignment);
		return {
			...changeOf(row, plan),
			event: { type: 'assigned', data: { from: assignmentOf(row), to: plan.assignment } },
			after: (updated) => mailForAssign(app, row, updated, user.id)
		};
	});
}

/**
 * The receiver of a transfer must be able to act on it: an active agent with edit permission
 * (or an admin), or an existing queue. Checked when the transfer is applied, so one made offline
 * to an agent deactivated meanwhile is refused when it syncs.
 */
function checkReceiver(app: Beckon, to: Assignment) {
	if (to.kind === 'agent') {
		const agent = app.db.select().from(users).where(eq(users.id, to.userId)).get();
		if (!agent || !agent.active) throw invalid('to.userId', 'is not an active user');
		if (!canEdit(agent)) throw invalid('to.userId', 'has no edit permission on session requests');
	}
	if (to.kind === 'queue') {
		const queue = app.db.select().from(queues).where(eq(queues.id, to.queueId)).get();
		if (!queue) throw invalid('to.queueId', 'is not an existing queue');
	}
}

/** The assignee or an admin hands the request to an agent or a queue, with an optional note. */
export function transferRequest(
	app: Beckon,
	user: AuthUser,
	input: TransferInput & { id: string }
): SessionRequest {
	requireEdit(user);
	return mutate(app, user, input.id, (row) => {
		const plan = planTransfer(factsOf(row), input, contextOf(app, user));
		checkReceiver(app, plan.to);
		return {
			...changeOf(row, plan),
			event: {
				type: 'transferred',
				data: { from: plan.from, to: plan.to, ...(plan.note && { note: plan.note }) }
			},
			after: (updated) => mailForAssign(app, row, updated, user.id, plan.note)
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
		return mutate(app, user, input.id, (row) => {
			const nameOf = (id: string) => userName(app, id) ?? 'another agent';
			const plan = planTake(factsOf(row), contextOf(app, user), nameOf);
			return { ...changeOf(row, plan), event: { type: 'taken', data: { from: plan.from } } };
		});
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

export function requestConnect(app: Beckon, user: AuthUser, input: { id: string }): SessionRequest {
	return agentStep(app, user, input.id, planRequestConnect, 'connect_requested');
}

export function startSession(app: Beckon, user: AuthUser, input: { id: string }): SessionRequest {
	return agentStep(app, user, input.id, planStart, 'session_started');
}

export function endSession(app: Beckon, user: AuthUser, input: { id: string }): SessionRequest {
	return agentStep(app, user, input.id, planEnd, 'session_ended', true);
}

export function closeRequest(app: Beckon, user: AuthUser, input: { id: string }): SessionRequest {
	return agentStep(app, user, input.id, planClose, 'closed', true);
}

/**
 * A lifecycle step the agent takes with nothing but the request: its shared plan, the event it
 * records, and for a step that closes the request the mail saying so.
 */
function agentStep(
	app: Beckon,
	user: AuthUser,
	id: string,
	plan: (request: RequestFacts, ctx: PlanContext) => Plan,
	type: EventType,
	closes = false
): SessionRequest {
	requireEdit(user);
	return mutate(app, user, id, (row) => ({
		...changeOf(row, plan(factsOf(row), contextOf(app, user))),
		event: { type },
		...(closes && { after: (updated: SessionRequestRow) => mailForClose(app, updated) })
	}));
}

export function reopenRequest(
	app: Beckon,
	user: AuthUser,
	input: { id: string; expiresAt?: string }
): SessionRequest {
	requireEdit(user);
	return mutate(app, user, input.id, (row) => {
		const ctx = { ...contextOf(app, user), defaultExpiryMs: defaultExpiryMs(app) };
		const plan = planReopen(factsOf(row), input, ctx);
		const change = changeOf(row, plan);
		return {
			...change,
			patch: { ...change.patch, reminderSentAt: null },
			event: {
				type: 'reopened',
				data: { expiresAt: new Date(plan.patch.expiresAt).toISOString() }
			},
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
	return mutate(app, user, input.id, (row) => ({
		...changeOf(row, planExtend(factsOf(row), input, contextOf(app, user))),
		event: {
			type: 'expiry_extended',
			data: { from: new Date(row.expiresAt).toISOString(), to: input.expiresAt }
		}
	}));
}

export function regenerateLink(app: Beckon, user: AuthUser, input: { id: string }): SessionRequest {
	requireEdit(user);
	return mutate(app, user, input.id, (row) => ({
		...changeOf(row, planRegenerateLink(factsOf(row), contextOf(app, user))),
		event: { type: 'link_regenerated' },
		after: (updated) => mailForNewLink(app, updated)
	}));
}

/** A plan as the change recordChange writes: its action, its fields, a new link version. */
function changeOf(row: SessionRequestRow, plan: Plan) {
	return {
		action: plan.action,
		patch: {
			...columnsOf(plan.patch),
			// The old link stays dead: a new link is a new link version.
			...(plan.newLink && { linkVersion: row.linkVersion + 1 })
		}
	};
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
