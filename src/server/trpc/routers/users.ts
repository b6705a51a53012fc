import { createUserSchema, updateUserSchema } from '../../../lib/domain/schemas';
import { createUser, listDirectory, listUsers, updateUser } from '../../services/users';
import { adminProcedure, agentProcedure, router } from '../trpc';

export const usersRouter = router({
	list: adminProcedure.query(({ ctx }) => listUsers(ctx.app)),
	/** Names of colleagues, for assignment pickers and timelines; any signed-in user. */
	directory: agentProcedure.query(({ ctx }) => listDirectory(ctx.app)),
	create: adminProcedure
		.input(createUserSchema)
		.mutation(async ({ ctx, input }) => ({ user: await createUser(ctx.app, input) })),
	update: adminProcedure
		.input(updateUserSchema)
		.mutation(async ({ ctx, input }) => ({ user: await updateUser(ctx.app, input) }))
});
