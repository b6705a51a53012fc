import { linkRespondSchema, linkTokenSchema } from '../../../lib/domain/schemas';
import {
	linkRemoveAgentSchema,
	linkSignalSchema,
	linkSignalsSchema
} from '../../../lib/link/session/signal-protocol';
import { removeFromSession } from '../../services/co-session';
import * as link from '../../services/link-page';
import * as signalling from '../../services/signalling';
import type { Context } from '../context';
import { publicProcedure, router } from '../trpc';

/** The page acting, for the events it records and the session it holds. */
const clientOf = (ctx: Context, input: { sessionKey?: string }) => ({
	userAgent: ctx.userAgent,
	sessionKey: input.sessionKey
});

/** A change the page makes with its token alone, as a procedure. */
const pageChange = (change: link.PageChange) =>
	publicProcedure
		.input(linkTokenSchema)
		.mutation(({ ctx, input }) =>
			change(ctx.app, input.token, ctx.clientAddress, clientOf(ctx, input))
		);

/**
 * The end user's procedures: the session link token is their credential, and during a session
 * the key their page got when it allowed it (services/session-keys.ts).
 */
export const linkRouter = router({
	get: publicProcedure
		.input(linkTokenSchema)
		.query(({ ctx, input }) => link.getLink(ctx.app, input.token, ctx.clientAddress)),
	open: pageChange(link.openLink),
	respond: publicProcedure
		.input(linkRespondSchema)
		.mutation(({ ctx, input }) =>
			link.respondToConnect(
				ctx.app,
				input.token,
				input.decision,
				ctx.clientAddress,
				clientOf(ctx, input)
			)
		),
	/** The same view on every change (SSE); the first event is the current state. */
	watch: publicProcedure
		.input(linkTokenSchema)
		.subscription(({ ctx, input, signal }) =>
			link.watchLink(
				ctx.app,
				input.token,
				ctx.clientAddress,
				signal ?? new AbortController().signal
			)
		),
	decline: pageChange(link.declineRequest),
	/** The end user ends the session in progress (`connected` → `closed`, completed). */
	end: pageChange(link.endSession),
	/** ICE servers for the session's peer connection (`ready` or `connected` only). */
	session: publicProcedure
		.input(linkTokenSchema)
		.query(({ ctx, input }) =>
			signalling.endUserIceServers(ctx.app, input.token, ctx.clientAddress, input.sessionKey)
		),
	/** The end user removes a colleague the agent invited into the session. */
	removeAgent: publicProcedure
		.input(linkRemoveAgentSchema)
		.mutation(({ ctx, input }) => removeFromSession(ctx.app, input, ctx.clientAddress)),
	/** One signalling message to the agent's browser. */
	signal: publicProcedure
		.input(linkSignalSchema)
		.mutation(({ ctx, input }) =>
			signalling.sendFromEndUser(
				ctx.app,
				input.token,
				input.message,
				ctx.clientAddress,
				input.sessionKey
			)
		),
	/** Signalling messages from the agent's browser (SSE, tracked ids: resumes after a drop). */
	signals: publicProcedure
		.input(linkSignalsSchema)
		.subscription(({ ctx, input, signal }) =>
			signalling.endUserSignals(
				ctx.app,
				input.token,
				input.lastEventId,
				ctx.clientAddress,
				signal ?? new AbortController().signal,
				input.sessionKey
			)
		)
});
