import { linkRespondSchema, linkTokenSchema } from '../../../lib/domain/schemas';
import * as link from '../../services/link-page';
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
		.mutation(({ ctx, input }) => link.declineRequest(ctx.app, input.token, ctx.clientAddress))
});
