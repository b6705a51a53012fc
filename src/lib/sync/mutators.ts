/**
 * The optimistic side of each sync mutation: what the client shows before the server has
 * answered. Each mutation's rules are the shared plan (`domain/plans.ts`) the server's services
 * run too, so an agent offline sees the outcome the server will produce; the server re-runs the
 * mutation for real.
 */
import { fromZodIssues, invalid } from '../domain/errors';
import { transition } from '../domain/lifecycle';
import * as plans from '../domain/plans';
import type { Plan, RequestFacts, RequestFields } from '../domain/plans';
import { anonymizedRefusal } from '../domain/privacy';
import { effectiveStatus, toIso } from '../domain/rules';
import type { Language, SessionRequest } from '../domain/types';
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

const msOrNull = (text: string | null) => (text === null ? null : Date.parse(text));

/** The request as the shared plans read it (times in ms). */
function factsOf(request: SessionRequest): RequestFacts {
	return {
		...request,
		scheduledAt: msOrNull(request.scheduledAt),
		expiresAt: Date.parse(request.expiresAt),
		endUserSeenAt: msOrNull(request.endUserSeenAt)
	};
}

/** A plan's fields in the shape this device keeps (ISO instants). */
function fieldsOf(patch: Partial<RequestFields>): Partial<SessionRequest> {
	const { scheduledAt, expiresAt, endUserSeenAt, ...rest } = patch;
	return {
		...rest,
		...(scheduledAt !== undefined && { scheduledAt: toIso(scheduledAt) }),
		...(expiresAt !== undefined && { expiresAt: toIso(expiresAt) }),
		...(endUserSeenAt !== undefined && { endUserSeenAt: toIso(endUserSeenAt) })
	};
}

/** Applies a plan: the lifecycle's next state, the plan's fields, and no link while a new one is due. */
function applied(request: SessionRequest, plan: Plan, ctx: MutationContext): SessionRequest {
	// As on the server: an anonymised request takes no change.
	if (request.anonymizedAt) throw anonymizedRefusal();
	const status = effectiveStatus(request.status, Date.parse(request.expiresAt), ctx.now);
	const next = transition({ ...request, status }, plan.action);
	return {
		...request,
		...fieldsOf(plan.patch),
		...(plan.newLink && { link: null }),
		status: next.status,
		closedReason: next.closedReason,
		connectRequested: next.connectRequested,
		// Against the status shown now: a request this device holds as open may have expired since.
		statusChangedAt: next.status !== status ? toIso(ctx.now) : request.statusChangedAt,
		updatedAt: toIso(ctx.now)
	};
}

function create(args: MutationArgs<'createRequest'>, exists: boolean, ctx: MutationContext) {
	if (!args.id) throw invalid('id', 'is required for a request created on this device');
	const fields = fieldsOf(plans.planCreate(args, ctx, exists));
	const now = toIso(ctx.now);
	return {
		...(fields as Required<typeof fields>),
		id: args.id,
		status: 'open',
		closedReason: null,
		connectRequested: false,
		createdBy: ctx.userId,
		source: 'agent',
		createdAt: now,
		updatedAt: now,
		statusChangedAt: now,
		version: 0,
		// The link is made by the server; it appears once the request has synced.
		link: null,
		anonymizedAt: null
	} satisfies SessionRequest;
}

/** The plan of each mutation of an existing request, on this device. */
const PLANS: {
	[N in Exclude<MutationName, 'createRequest'>]: (
		request: RequestFacts,
		args: MutationArgs<N>,
		ctx: MutationContext
	) => Plan;
} = {
	updateRequest: (request, args, ctx) => plans.planUpdate(request, args, ctx),
	assignRequest: (request, args, ctx) => plans.planAssign(request, args, ctx),
	takeRequest: (request, _args, ctx) => plans.planTake(request, ctx),
	requestConnect: (request, _args, ctx) => plans.planRequestConnect(request, ctx),
	startSession: (request, _args, ctx) => plans.planStart(request, ctx),
	endSession: (request, _args, ctx) => plans.planEnd(request, ctx),
	closeRequest: (request, _args, ctx) => plans.planClose(request, ctx),
	reopenRequest: (request, args, ctx) => plans.planReopen(request, args, ctx),
	extendExpiry: (request, args, ctx) => plans.planExtend(request, args, ctx),
	regenerateLink: (request, _args, ctx) => plans.planRegenerateLink(request, ctx),
	transferRequest: (request, args, ctx) => plans.planTransfer(request, args, ctx)
};

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
	if (input.name === 'createRequest') {
		return create(parsed.data as MutationArgs<'createRequest'>, request !== undefined, ctx);
	}
	if (!request) throw invalid('id', 'is not a request on this device');
	const plan = PLANS[input.name] as (
		request: RequestFacts,
		args: unknown,
		ctx: MutationContext
	) => Plan;
	return applied(request, plan(factsOf(request), parsed.data, ctx), ctx);
}

/** The request a mutation is about. */
export function requestIdOf(mutation: Mutation): string {
	return (mutation.args as { id?: string }).id ?? '';
}
