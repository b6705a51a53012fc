import { createUserSchema, updateUserSchema } from '../../../lib/domain/schemas';
import { createUser, listDirectory, listUsers, updateUser } from '../../services/users';
import { adminProcedure, agentProcedure, router } from '../trpc';

export const usersRouter = router({
	list: adminProcedure.query(({ ctx }) => listUsers(ctx.app)),
	/** Names of colleagues, for assignment pickers and timelines; emails for admins only. */
	directory: agentProcedure.query(({ ctx }) => listDirectory(ctx.app, ctx.user)),
	create: adminProcedure
		.input(createUserSchema)
		.mutation(async ({ ctx, input }) => ({ user: await createUser(ctx.app, input) })),
	update: adminProcedure
		.input(updateUserSchema)
		.mutation(async ({ ctx, input }) => ({ user: await updateUser(ctx.app, input, ctx.user.id) }))
});
