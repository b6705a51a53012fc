/**
 * The optimistic side of each sync mutation: what the client shows before the server has
 * answered. Built on the same lifecycle table and rules as the server's services, so an agent
 * offline sees the outcome the server will produce; the server re-runs the mutation for real.
 */
import { conflict, forbidden, fromZodIssues, invalid } from '../domain/errors';
import { canTransition, transition, type Action } from '../domain/lifecycle';
import { anonymizedRefusal } from '../domain/privacy';
import {
	checkTimes,
	defaultExpiresAt,
	effectiveStatus,
	parseInstant,
	recipientChangeNeedsNewLink
} from '../domain/rules';
import type { Assignment, AssignmentInput, Language, SessionRequest } from '../domain/types';
import { MUTATION_ARGS, type MutationArgs, type MutationName } from './protocol';

export interface MutationContext {
	/** The acting agent. */
	userId: string;
	isAdmin: boolean;
	queueIds: readonly string[];
	/** Server time: the device clock corrected by the offset measured at the last pull. */
	now: number;
	defaultExpiryMs: number;
	defaultLanguage: Language;
}

export interface Mutation<N extends MutationName = MutationName> {
	name: N;
	args: MutationArgs<N>;
}

const iso = (ms: number) => new Date(ms).toISOString();

function resolve(assignment: AssignmentInput, ctx: MutationContext): Assignment {
	return assignment.kind === 'me' ? { kind: 'agent', userId: ctx.userId } : assignment;
}

function changed(
	request: SessionRequest,
	action: Action,
	ctx: MutationContext,
	patch: Partial<SessionRequest> = {}
): SessionRequest {
	if (request.anonymizedAt) throw anonymizedRefusal();
	const status = effectiveStatus(request.status, Date.parse(request.expiresAt), ctx.now);
	const next = transition({ ...request, status }, action);
	return {
		...request,
		...patch,
		status: next.status,
		closedReason: next.closedReason,
		connectRequested: next.connectRequested,
		// Against the status shown now: a request this device holds as open may have expired since.
		statusChangedAt: next.status !== status ? iso(ctx.now) : request.statusChangedAt,
		updatedAt: iso(ctx.now)
	};
}

function create(args: MutationArgs<'createRequest'>, ctx: MutationContext): SessionRequest {
	if (!args.id) throw invalid('id', 'is required for a request created on this device');
	const scheduledAt = args.scheduledAt ? parseInstant(args.scheduledAt, 'scheduledAt') : null;
	const expiresAt = args.expiresAt
		? parseInstant(args.expiresAt, 'expiresAt')
		: defaultExpiresAt(ctx.now, scheduledAt, ctx.defaultExpiryMs);
	checkTimes({ scheduledAt, expiresAt }, ctx.now);
	const now = iso(ctx.now);
	return {
		id: args.id,
		recipientName: args.recipientName.trim(),
		recipientEmail: args.recipientEmail ? args.recipientEmail.trim() : null,
		sendEmail: args.sendEmail ?? false,
		emailLanguage: args.emailLanguage ?? ctx.defaultLanguage,
		comments: args.comments ?? '',
		scheduledAt: scheduledAt === null ? null : iso(scheduledAt),
		expiresAt: iso(expiresAt),
		assignment: resolve(args.assignment ?? { kind: 'me' }, ctx),
		status: 'open',
		closedReason: null,
		connectRequested: false,
		endUserSeenAt: null,
		createdBy: ctx.userId,
		createdAt: now,
		updatedAt: now,
		statusChangedAt: now,
		version: 0,
		// The link is made by the server; it appears once the request has synced.
		link: null,
		anonymizedAt: null
	};
}

function requireOwner(request: SessionRequest, ctx: MutationContext) {
	const a = request.assignment;
	if (!ctx.isAdmin && a.kind === 'agent' && a.userId !== ctx.userId) {
		throw forbidden('Only the assigned agent or an admin can do this');
	}
}

/**
 * Applies a mutation to the request as this device knows it. Throws the same DomainError the
 * server would for an illegal change, so the UI can refuse it before it is ever queued.
 */
export function applyMutation(
	request: SessionRequest | undefined,
	input: Mutation,
	ctx: MutationContext
): SessionRequest {
	// The server validates the arguments first (fields, email, lengths); so does this device.
	const parsed = MUTATION_ARGS[input.name].safeParse(input.args);
	if (!parsed.success) throw fromZodIssues(parsed.error.issues);
	const mutation = { name: input.name, args: parsed.data } as Mutation;
	if (mutation.name === 'createRequest') {
		if (request) throw conflict('A session request with this id already exists');
		return create(mutation.args as MutationArgs<'createRequest'>, ctx);
	}
	if (!request) throw invalid('id', 'is not a request on this device');
	switch (mutation.name) {
		case 'updateRequest': {
			const a = mutation.args as MutationArgs<'updateRequest'>;
			// As on the server: a terminal request is a conflict, whatever the input says.
			const status = effectiveStatus(request.status, Date.parse(request.expiresAt), ctx.now);
			const refusal = canTransition({ ...request, status }, 'update');
			if (refusal) throw refusal;
			const scheduledAt =
				a.scheduledAt === undefined
					? request.scheduledAt
					: a.scheduledAt === null
						? null
						: iso(parseInstant(a.scheduledAt, 'scheduledAt'));
			const next = {
				recipientName: a.recipientName?.trim() ?? request.recipientName,
				recipientEmail:
					a.recipientEmail === undefined ? request.recipientEmail : a.recipientEmail || null,
				sendEmail: a.sendEmail ?? request.sendEmail,
				emailLanguage: a.emailLanguage ?? request.emailLanguage,
				comments: a.comments ?? request.comments,
				scheduledAt
			};
			if (next.sendEmail && !next.recipientEmail) {
				throw invalid('recipientEmail', 'is required when sendEmail is true');
			}
			// Only a new schedule needs checking: an unchanged expiry may have passed mid-session.
			if (scheduledAt !== request.scheduledAt) {
				checkTimes(
					{
						scheduledAt: scheduledAt === null ? null : Date.parse(scheduledAt),
						expiresAt: Date.parse(request.expiresAt)
					},
					ctx.now
				);
			}
			// As on the server: a replaced recipient gets a new link, which only the server makes.
			const newLink = recipientChangeNeedsNewLink(request.recipientEmail, next.recipientEmail);
			return changed(request, 'update', ctx, newLink ? { ...next, link: null } : next);
		}
		case 'assignRequest': {
			const a = mutation.args as MutationArgs<'assignRequest'>;
			return changed(request, 'assign', ctx, { assignment: resolve(a.assignment, ctx) });
		}
		case 'takeRequest': {
			const a = request.assignment;
			if (a.kind === 'agent') {
				throw conflict(a.userId === ctx.userId ? 'Already taken by you' : 'Already taken');
			}
			if (a.kind === 'queue' && !ctx.isAdmin && !ctx.queueIds.includes(a.queueId)) {
				throw forbidden('Only members of the queue can take this request');
			}
			return changed(request, 'take', ctx, { assignment: { kind: 'agent', userId: ctx.userId } });
		}
		case 'requestConnect':
			requireOwner(request, ctx);
			return changed(request, 'requestConnect', ctx);
		case 'startSession':
			requireOwner(request, ctx);
			return changed(request, 'start', ctx);
		case 'endSession':
			return changed(request, 'end', ctx);
		case 'closeRequest':
			return changed(request, 'close', ctx);
		case 'reopenRequest': {
			const a = mutation.args as MutationArgs<'reopenRequest'>;
			const scheduled = request.scheduledAt ? Date.parse(request.scheduledAt) : null;
			const scheduledAt = scheduled !== null && scheduled > ctx.now ? scheduled : null;
			const expiresAt = a.expiresAt
				? parseInstant(a.expiresAt, 'expiresAt')
				: defaultExpiresAt(ctx.now, scheduledAt, ctx.defaultExpiryMs);
			checkTimes({ scheduledAt, expiresAt }, ctx.now, false);
			return changed(request, 'reopen', ctx, {
				scheduledAt: scheduledAt === null ? null : iso(scheduledAt),
				expiresAt: iso(expiresAt),
				endUserSeenAt: null,
				link: null
			});
		}
		case 'extendExpiry': {
			const a = mutation.args as MutationArgs<'extendExpiry'>;
			const expiresAt = parseInstant(a.expiresAt, 'expiresAt');
			const scheduledAt = request.scheduledAt ? Date.parse(request.scheduledAt) : null;
			checkTimes({ scheduledAt, expiresAt }, ctx.now, false);
			return changed(request, 'extend', ctx, { expiresAt: iso(expiresAt) });
		}
		case 'regenerateLink':
			return changed(request, 'regenerateLink', ctx, { link: null });
	}
}

/** The request a mutation is about. */
export function requestIdOf(mutation: Mutation): string {
	return (mutation.args as { id?: string }).id ?? '';
}
