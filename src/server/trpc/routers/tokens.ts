import { createTokenSchema, revokeTokenSchema } from '../../../lib/domain/schemas';
import { createApiToken, listApiTokens, revokeApiToken } from '../../services/tokens';
import { adminProcedure, router } from '../trpc';

export const tokensRouter = router({
	list: adminProcedure.query(({ ctx }) => listApiTokens(ctx.app)),
	create: adminProcedure
		.input(createTokenSchema)
		.mutation(({ ctx, input }) => createApiToken(ctx.app, ctx.user, input)),
	revoke: adminProcedure
		.input(revokeTokenSchema)
		.mutation(({ ctx, input }) => revokeApiToken(ctx.app, input))
});
