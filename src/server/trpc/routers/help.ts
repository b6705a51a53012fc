import { helpAskSchema, helpPageSchema } from '../../../lib/domain/schemas';
import * as help from '../../services/help-page';
import { publicProcedure, router } from '../trpc';

/** A queue's public help page: anyone may read it and ask for help through it. */
export const helpRouter = router({
	/** The page: queue name, message, whether it is open now, the proof of work's difficulty. */
	get: publicProcedure
		.input(helpPageSchema)
		.query(({ ctx, input }) => help.getHelpPage(ctx.app, input.slug, ctx.clientAddress)),
	/** A fresh proof-of-work challenge (signed, expires in 5 minutes, used once). */
	challenge: publicProcedure
		.input(helpPageSchema)
		.mutation(({ ctx, input }) => help.helpChallenge(ctx.app, input.slug, ctx.clientAddress)),
	/** The request: answers the link page's token (the request is already waiting). */
	ask: publicProcedure
		.input(helpAskSchema)
		.mutation(({ ctx, input }) =>
			help.askForHelp(ctx.app, input, ctx.clientAddress, { userAgent: ctx.userAgent })
		)
});
