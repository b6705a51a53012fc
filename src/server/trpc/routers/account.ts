/** The signed-in user's own preferences. */
import { z } from 'zod';
import { languageSchema } from '../../../lib/domain/schemas';
import { setLanguage } from '../../services/users';
import { agentProcedure, router } from '../trpc';

export const accountRouter = router({
	/** The app's language on every device of this user; null follows each browser's language. */
	setLanguage: agentProcedure
		.input(z.object({ language: languageSchema.nullable() }))
		.mutation(({ ctx, input }) => ({ user: setLanguage(ctx.app, ctx.user.id, input.language) }))
});
