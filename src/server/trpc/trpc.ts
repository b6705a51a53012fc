/** The one tRPC instance: base procedures and the middleware that turns refusals into codes. */
import { initTRPC, StandardSchemaV1Error, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { DomainError, DomainErrorReason, forbidden, fromZodIssues } from '../../lib/domain/errors';
import { ERROR_CODE_OF, reasonOfCode, refusalOf } from '../../lib/sync/protocol';
import { parseDuration } from '../../lib/domain/rules';
import { claimedRequestId } from '../services/link-tokens';
import { releasing, streamSlotsOf } from '../streams';
import type { Context } from './context';
import { isUnavailable, unavailableError } from '../db-thread/messages';

/**
 * Pings keep proxies (nginx closes idle streams after 60 s) from cutting live streams: every
 * BECKON_SSE_PING (validated with the rest of the configuration, config.ts), 15 s by default.
 */
export const SSE_PING_MS = parseDuration(process.env.BECKON_SSE_PING || '15s') ?? 15_000;
/** Told to every stream's client as it connects: reconnect after this long without a message. */
export const SSE_CLIENT = { reconnectAfterInactivityMs: 40_000 };

/**
 * Every error answer's `data` gains `reason` (and `field`, `detail` where the refusal has them),
 * so clients tell refusals apart without reading their wording.
 */
function withReason<T extends object>(data: T, error: TRPCError) {
	const cause = error.cause;
	if (!(cause instanceof DomainError)) return { ...data, reason: reasonOfCode(error.code) };
	const { reason, field } = refusalOf(cause);
	return {
		...data,
		reason,
		...(field !== undefined && { field }),
		...(cause.detail !== undefined && { detail: cause.detail })
	};
}

const t = initTRPC.context<Context>().create({
	// Stack traces in answers only while developing.
	isDev: process.env.NODE_ENV === 'development',
	sse: { ping: { enabled: true, intervalMs: SSE_PING_MS }, client: SSE_CLIENT },
	errorFormatter({ shape, error }) {
		// Unexpected errors keep their details in the server log, not in the answer.
		if (error.code === 'INTERNAL_SERVER_ERROR') {
			return { ...shape, message: 'Internal server error', data: withReason(shape.data, error) };
		}
		return { ...shape, data: withReason(shape.data, error) };
	}
});

/** Domain refusals and schema failures become tRPC errors whose message names the field. */
const refusals = t.middleware(async ({ next }) => {
	const result = await next();
	if (result.ok) return result;
	const cause = result.error.cause;
	if (cause instanceof DomainError) {
		throw new TRPCError({ code: ERROR_CODE_OF[cause.reason], message: cause.message, cause });
	}
	// PostgreSQL unreachable, or a timeout: nothing was changed, and the same call may work later.
	if (isUnavailable(cause)) throw unavailableError(cause);
	// zod schemas are run by tRPC's own zod path (ZodError); other validators give StandardSchemaV1Error.
	if (cause instanceof StandardSchemaV1Error || cause instanceof ZodError) {
		const refusal = fromZodIssues(cause.issues);
		throw new TRPCError({ code: 'BAD_REQUEST', message: refusal.message, cause: refusal });
	}
	return result;
});

export const router = t.router;

/**
 * A live stream takes a slot per client address, per user and per session link (streams.ts) for
 * as long as it is open; with any of them full it is refused before it starts.
 */
const liveStreams = t.middleware(async ({ ctx, type, getRawInput, next }) => {
	if (type !== 'subscription') return next();
	const input = (await getRawInput().catch(() => undefined)) as { token?: unknown } | undefined;
	const token = typeof input?.token === 'string' ? input.token : null;
	const release = streamSlotsOf(ctx.app).acquire({
		userId: ctx.user?.id,
		linkRequestId: token ? claimedRequestId(token) : null,
		address: ctx.clientAddress
	});
	if (!release) {
		throw new DomainError(
			DomainErrorReason.rateLimited,
			'Too many live streams open; close some and try again'
		);
	}
	const result = await next();
	const data = result.ok ? (result.data as unknown) : undefined;
	if (!result.ok || !isAsyncIterable(data)) {
		release();
		return result;
	}
	return { ...result, data: releasing(data, release) };
});

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
	typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/**
 * Every call is noted by the read budget: someone wants the server (read-budget.ts). A live
 * stream is not a call on the server's time; on PostgreSQL streams are served on the HTTP thread,
 * which has no limits (calls are noted on the database thread).
 */
const noted = t.middleware(({ ctx, type, next }) => {
	if (type !== 'subscription') ctx.app.limits.reads.noteCall(ctx.user?.id ?? ANYONE);
	return next();
});

/** The one caller id the read budget gives everyone not signed in. */
const ANYONE = '';

export const publicProcedure = t.procedure.use(refusals).use(liveStreams).use(noted);

const signedIn = t.middleware(({ ctx, next }) => {
	if (!ctx.user) throw new DomainError(DomainErrorReason.unauthenticated, 'Sign in first');
	return next({ ctx: { ...ctx, user: ctx.user } });
});

/**
 * A signed-in user's queries run in their own lane and are charged to their read budget
 * (read-budget.ts): one user cannot keep the server from answering the others.
 */
const readBudget = t.middleware(async ({ ctx, type, next }) => {
	if (type !== 'query' || !ctx.user) return next();
	const release = await ctx.app.limits.reads.enter(ctx.user.id);
	const started = performance.now();
	try {
		return await next();
	} finally {
		release(performance.now() - started);
	}
});

/** Any signed-in user; services check view/edit permission and visibility. */
export const agentProcedure = publicProcedure.use(signedIn).use(readBudget);

export const adminProcedure = agentProcedure.use(({ ctx, next }) => {
	if (ctx.user.role !== 'admin') throw forbidden('Admins only');
	return next();
});
