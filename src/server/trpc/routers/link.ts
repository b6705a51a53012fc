import { linkRespondSchema, linkTokenSchema } from '../../../lib/domain/schemas';
import { linkSignalSchema, linkSignalsSchema } from '../../../lib/link/session/signal-protocol';
import * as link from '../../services/link-page';
import * as signalling from '../../services/signalling';
import { publicProcedure, router } from '../trpc';

/** The end user's procedures: the session link token is their only credential. */
export const linkRouter = router({
	get: publicProcedure
		.input(linkTokenSchema)
		.query(({ ctx, input }) => link.getLink(ctx.app, input.token, ctx.clientAddress)),
	open: publicProcedure
		.input(linkTokenSchema)
		.mutation(({ ctx, input }) => link.openLink(ctx.app, input.token, ctx.clientAddress)),
	respond: publicProcedure
		.input(linkRespondSchema)
		.mutation(({ ctx, input }) =>
			link.respondToConnect(ctx.app, input.token, input.decision, ctx.clientAddress)
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
	decline: publicProcedure
		.input(linkTokenSchema)
		.mutation(({ ctx, input }) => link.declineRequest(ctx.app, input.token, ctx.clientAddress)),
	/** The end user ends the session in progress (`connected` → `closed`, completed). */
	end: publicProcedure
		.input(linkTokenSchema)
		.mutation(({ ctx, input }) => link.endSession(ctx.app, input.token, ctx.clientAddress)),
	/** ICE servers for the session's peer connection (`ready` or `connected` only). */
	session: publicProcedure
		.input(linkTokenSchema)
		.query(({ ctx, input }) =>
			signalling.endUserIceServers(ctx.app, input.token, ctx.clientAddress)
		),
	/** One signalling message to the agent's browser. */
	signal: publicProcedure
		.input(linkSignalSchema)
		.mutation(({ ctx, input }) =>
			signalling.sendFromEndUser(ctx.app, input.token, input.message, ctx.clientAddress)
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
				signal ?? new AbortController().signal
			)
		)
});
