/**
 * One plan per mutation: its rules — validation against the request as it is now, the lifecycle
 * transition, the fields it sets — written once, pure and typed. The client's optimistic apply
 * (`lib/sync/mutators.ts`) and the server's services (`server/services/requests.ts`) both call
 * these; each adds only what it owns (the server: versions, events, mail, links, I/O checks such
 * as "does this queue exist"). Times are milliseconds; `now` is the caller's.
 */
import { conflict, forbidden, invalid } from './errors';
import { canTransition, type Action } from './lifecycle';
import {
	checkTimes,
	defaultExpiresAt,
	effectiveStatus,
	parseInstant,
	recipientChangeNeedsNewLink
} from './rules';
import type { Assignment, AssignmentInput, ClosedReason, Language, Status } from './types';

/** The request fields a mutation may set. */
export interface RequestFields {
	recipientName: string;
	recipientEmail: string | null;
	sendEmail: boolean;
	emailLanguage: Language;
	comments: string;
	scheduledAt: number | null;
	/** The recipient's IANA time zone; null: none given (times are written in UTC). */
	timeZone: string | null;
	expiresAt: number;
	assignment: Assignment;
	endUserSeenAt: number | null;
}

/** What the rules read of a request: its fields and its lifecycle state as stored. */
export interface RequestFacts extends RequestFields {
	status: Status;
	connectRequested: boolean;
	closedReason: ClosedReason | null;
}

/** Who acts, and when. */
export interface PlanContext {
	userId: string;
	isAdmin: boolean;
	queueIds: readonly string[];
	now: number;
}

/** What a mutation does to an existing request: the lifecycle action and the fields it sets. */
export interface Plan {
	action: Action;
	patch: Partial<RequestFields>;
	/** The old link dies: the server issues a new link version (the client shows none until then). */
	newLink?: boolean;
}

export const EDITABLE_FIELDS = [
	'recipientName',
	'recipientEmail',
	'sendEmail',
	'emailLanguage',
	'comments',
	'scheduledAt',
	'timeZone'
] as const;
export type EditableField = (typeof EDITABLE_FIELDS)[number];

const instantOrNull = (value: string | null | undefined, field: string) =>
	value === undefined || value === null ? null : parseInstant(value, field);

/** Throws the lifecycle's refusal of `action`, judged by the status every read reports. */
function allow(request: RequestFacts, action: Action, now: number) {
	const status = effectiveStatus(request.status, request.expiresAt, now);
	const refusal = canTransition({ ...request, status }, action);
	if (refusal) throw refusal;
}

export function resolveAssignment(input: AssignmentInput, ctx: PlanContext): Assignment {
	return input.kind === 'me' ? { kind: 'agent', userId: ctx.userId } : input;
}

/** The fields an agent gives and edits (an edit sets those present, and keeps the rest). */
export interface UpdateInput {
	recipientName?: string;
	recipientEmail?: string | null;
	sendEmail?: boolean;
	emailLanguage?: Language;
	comments?: string;
	scheduledAt?: string | null;
	timeZone?: string | null;
}

/** A new request: a recipient's name at least, and where it starts from. */
export interface CreateInput extends UpdateInput {
	recipientName: string;
	expiresAt?: string;
	assignment?: AssignmentInput;
}

/** A new request's fields. `exists`: a request with the wanted id is known already. */
export function planCreate(
	input: CreateInput,
	ctx: PlanContext & { defaultExpiryMs: number; defaultLanguage: Language },
	exists: boolean
): RequestFields {
	const scheduledAt = instantOrNull(input.scheduledAt, 'scheduledAt');
	const expiresAt =
		input.expiresAt === undefined
			? defaultExpiresAt(ctx.now, scheduledAt, ctx.defaultExpiryMs)
			: parseInstant(input.expiresAt, 'expiresAt');
	checkTimes({ scheduledAt, expiresAt }, ctx.now);
	if (input.sendEmail && !input.recipientEmail) {
		throw invalid('recipientEmail', 'is required when sendEmail is true');
	}
	// Ids are made by clients (so requests can be created offline); a repeat is a conflict.
	if (exists) throw conflict('A session request with this id already exists');
	return {
		recipientName: input.recipientName,
		recipientEmail: input.recipientEmail || null,
		sendEmail: input.sendEmail ?? false,
		emailLanguage: input.emailLanguage ?? ctx.defaultLanguage,
		comments: input.comments ?? '',
		scheduledAt,
		timeZone: input.timeZone ?? null,
		expiresAt,
		assignment: resolveAssignment(input.assignment ?? { kind: 'me' }, ctx),
		endUserSeenAt: null
	};
}

/** An edit: the fields it changes, and whether the schedule moved (it is then reminded anew). */
export function planUpdate(
	request: RequestFacts,
	input: UpdateInput,
	ctx: PlanContext
): Plan & { changed: EditableField[]; scheduleChanged: boolean } {
	// A terminal (closed or expired) request is a conflict, whatever the input says.
	allow(request, 'update', ctx.now);
	const next = {
		recipientName: input.recipientName ?? request.recipientName,
		recipientEmail:
			input.recipientEmail === undefined ? request.recipientEmail : input.recipientEmail || null,
		sendEmail: input.sendEmail ?? request.sendEmail,
		emailLanguage: input.emailLanguage ?? request.emailLanguage,
		comments: input.comments ?? request.comments,
		scheduledAt:
			input.scheduledAt === undefined
				? request.scheduledAt
				: instantOrNull(input.scheduledAt, 'scheduledAt'),
		// A request stored before zones were asked has none (`undefined` on a device's old copy).
		timeZone: input.timeZone === undefined ? (request.timeZone ?? null) : input.timeZone
	};
	if (next.sendEmail && !next.recipientEmail) {
		throw invalid('recipientEmail', 'is required when sendEmail is true');
	}
	// Only a new schedule needs checking: an unchanged expiry may have passed mid-session.
	const scheduleChanged = next.scheduledAt !== request.scheduledAt;
	if (scheduleChanged) {
		checkTimes({ scheduledAt: next.scheduledAt, expiresAt: request.expiresAt }, ctx.now);
	}
	return {
		action: 'update',
		patch: next,
		// A replaced or removed recipient address gets a new link: the old one dies.
		newLink: recipientChangeNeedsNewLink(request.recipientEmail, next.recipientEmail),
		changed: EDITABLE_FIELDS.filter((field) => next[field] !== request[field]),
		scheduleChanged
	};
}

export function planAssign(
	request: RequestFacts,
	input: { assignment: AssignmentInput },
	ctx: PlanContext
): Plan & { assignment: Assignment } {
	allow(request, 'assign', ctx.now);
	const assignment = resolveAssignment(input.assignment, ctx);
	return { action: 'assign', patch: { assignment }, assignment };
}

/**
 * Why `ctx`'s agent may not take `request` (lifecycle aside): someone holds it, or it waits in a
 * queue they are not in; null when they may. For the take button and for planTake.
 */
export function takeRefusal(
	assignment: Assignment,
	ctx: Pick<PlanContext, 'userId' | 'isAdmin' | 'queueIds'>
): 'taken' | 'not_member' | null {
	if (assignment.kind === 'agent') return 'taken';
	if (assignment.kind === 'queue' && !ctx.isAdmin && !ctx.queueIds.includes(assignment.queueId)) {
		return 'not_member';
	}
	return null;
}

/**
 * A take: the request becomes the acting agent's. `nameOf` names a holder who is not `ctx` (the
 * server knows every name; a device may not).
 */
export function planTake(
	request: RequestFacts,
	ctx: PlanContext,
	nameOf: (userId: string) => string | undefined = () => undefined
): Plan & { from: Assignment } {
	const from = request.assignment;
	const refusal = takeRefusal(from, ctx);
	if (refusal === 'taken' && from.kind === 'agent') {
		const holder = from.userId === ctx.userId ? 'you' : nameOf(from.userId);
		throw conflict(holder ? `Already taken by ${holder}` : 'Already taken');
	}
	if (refusal === 'not_member') throw forbidden('Only members of the queue can take this request');
	allow(request, 'take', ctx.now);
	return { action: 'take', patch: { assignment: { kind: 'agent', userId: ctx.userId } }, from };
}

export interface TransferInput {
	to: { kind: 'agent'; userId: string } | { kind: 'queue'; queueId: string };
	note?: string;
}

const sameAssignment = (a: Assignment, b: Assignment) =>
	a.kind === b.kind &&
	(a.kind !== 'agent' || a.userId === (b as typeof a).userId) &&
	(a.kind !== 'queue' || a.queueId === (b as typeof a).queueId);

/**
 * Whether `ctx`'s agent may hand on a request so assigned (lifecycle aside): an admin always;
 * others when it is theirs, waits in one of their queues, or is unassigned (nobody's, so anyone
 * who may edit it may hand it on). For the transfer form and for planTransfer.
 */
export function mayTransfer(
	assignment: Assignment,
	ctx: Pick<PlanContext, 'userId' | 'isAdmin' | 'queueIds'>
): boolean {
	if (ctx.isAdmin) return true;
	if (assignment.kind === 'agent') return assignment.userId === ctx.userId;
	if (assignment.kind === 'queue') return ctx.queueIds.includes(assignment.queueId);
	return true;
}

/**
 * A transfer: the assignee (or an admin) hands the request to an agent or a queue, with an
 * optional note for the receiver; in open, waiting and ready. Whether the receiver exists and may
 * act is the server's to check (a device may hold a stale directory: an offline transfer to an
 * agent deactivated meanwhile is refused when it syncs).
 */
export function planTransfer(
	request: RequestFacts,
	input: TransferInput,
	ctx: PlanContext
): HandOnPlan {
	const from = request.assignment;
	if (!mayTransfer(from, ctx)) {
		throw forbidden(
			from.kind === 'queue'
				? 'Only members of the queue or an admin can transfer this request'
				: 'Only the assigned agent or an admin can transfer this request'
		);
	}
	allow(request, 'transfer', ctx.now);
	return handOn('transfer', from, input.to, 'to', input.note ?? '');
}

/**
 * The owner of a live session hands it to the colleague watching with them (services/co-session.ts
 * checks that they are in the session): the colleague becomes the assigned agent while the
 * session runs on. Recorded as a transfer, with a note saying it happened in the session.
 */
export function planHandOver(
	request: RequestFacts,
	toUserId: string,
	ctx: PlanContext
): HandOnPlan {
	const from = request.assignment;
	const owner = from.kind === 'agent' && from.userId === ctx.userId;
	if (!owner && !ctx.isAdmin) {
		throw forbidden('Only the assigned agent or an admin can hand this session over');
	}
	if (effectiveStatus(request.status, request.expiresAt, ctx.now) !== 'connected') {
		throw conflict('Only a running live session can be handed over');
	}
	allow(request, 'assign', ctx.now);
	const to: Assignment = { kind: 'agent', userId: toUserId };
	return handOn('assign', from, to, 'userId', 'Handed over during the live session');
}

/** A request handed from one holder to another, with the note the timeline shows. */
export type HandOnPlan = Plan & { from: Assignment; to: Assignment; note: string };

/** Hands the request from `from` to `to`; refused (on `field`) when `to` holds it already. */
function handOn(
	action: Action,
	from: Assignment,
	to: Assignment,
	field: string,
	note: string
): HandOnPlan {
	if (sameAssignment(from, to)) throw invalid(field, 'already holds this request');
	return { action, patch: { assignment: to }, from, to, note };
}

/** Why an agent's requests fall back: deactivated, downgraded below edit, or out of a queue. */
export type FallbackReason = 'deactivated' | 'downgraded' | 'left_queue';
/** Where a request fell back to. */
export type FallbackVia = 'last_queue' | 'fallback_queue' | 'unassigned';

/**
 * Where a request goes when its agent leaves: the queue it last came from, else the
 * organisation's fallback queue, else unassigned (every agent with access sees it there).
 */
export function fallbackTarget(
	lastQueueId: string | null,
	fallbackQueueId: string | null
): { to: Assignment; via: FallbackVia } {
	if (lastQueueId) return { to: { kind: 'queue', queueId: lastQueueId }, via: 'last_queue' };
	if (fallbackQueueId) {
		return { to: { kind: 'queue', queueId: fallbackQueueId }, via: 'fallback_queue' };
	}
	return { to: { kind: 'unassigned' }, via: 'unassigned' };
}

/** Connecting and starting are for the assigned agent; others must take or be assigned first. */
function requireOwner(request: RequestFacts, ctx: PlanContext) {
	const a = request.assignment;
	if (!ctx.isAdmin && a.kind === 'agent' && a.userId !== ctx.userId) {
		throw forbidden('Only the assigned agent or an admin can do this');
	}
}

export function planRequestConnect(request: RequestFacts, ctx: PlanContext): Plan {
	requireOwner(request, ctx);
	allow(request, 'requestConnect', ctx.now);
	return { action: 'requestConnect', patch: {} };
}

export function planStart(request: RequestFacts, ctx: PlanContext): Plan {
	requireOwner(request, ctx);
	allow(request, 'start', ctx.now);
	return { action: 'start', patch: {} };
}

export function planEnd(request: RequestFacts, ctx: PlanContext): Plan {
	allow(request, 'end', ctx.now);
	return { action: 'end', patch: {} };
}

export function planClose(request: RequestFacts, ctx: PlanContext): Plan {
	allow(request, 'close', ctx.now);
	return { action: 'close', patch: {} };
}

/** A reopen: a fresh expiry, a past schedule dropped (a future one kept), and a new link. */
export function planReopen(
	request: RequestFacts,
	input: { expiresAt?: string },
	ctx: PlanContext & { defaultExpiryMs: number }
): Plan & { patch: { expiresAt: number } } {
	allow(request, 'reopen', ctx.now);
	const scheduledAt =
		request.scheduledAt !== null && request.scheduledAt > ctx.now ? request.scheduledAt : null;
	const expiresAt =
		input.expiresAt === undefined
			? defaultExpiresAt(ctx.now, scheduledAt, ctx.defaultExpiryMs)
			: parseInstant(input.expiresAt, 'expiresAt');
	checkTimes({ scheduledAt, expiresAt }, ctx.now, false);
	return {
		action: 'reopen',
		patch: { scheduledAt, expiresAt, endUserSeenAt: null },
		newLink: true
	};
}

export function planExtend(
	request: RequestFacts,
	input: { expiresAt: string },
	ctx: PlanContext
): Plan & { patch: { expiresAt: number } } {
	allow(request, 'extend', ctx.now);
	const expiresAt = parseInstant(input.expiresAt, 'expiresAt');
	checkTimes({ scheduledAt: request.scheduledAt, expiresAt }, ctx.now, false);
	return { action: 'extend', patch: { expiresAt } };
}

export function planRegenerateLink(request: RequestFacts, ctx: PlanContext): Plan {
	allow(request, 'regenerateLink', ctx.now);
	return { action: 'regenerateLink', patch: {}, newLink: true };
}
