import { z } from 'zod';
import { createUserSchema, updateUserSchema } from '../../../lib/domain/schemas';
import { listAccountEvents } from '../../services/account-events';
import { signOutEverywhere } from '../../services/auth';
import { resetTwoFactor } from '../../services/second-factor';
import { createUser, getUser, listDirectory, listUsers, updateUser } from '../../services/users';
import { adminProcedure, agentProcedure, router } from '../trpc';

const userIdSchema = z.object({ id: z.string().min(1).max(100) });

export const usersRouter = router({
	list: adminProcedure.query(({ ctx }) => listUsers(ctx.app)),
	/** Names of colleagues, for assignment pickers and timelines; emails for admins only. */
	directory: agentProcedure.query(({ ctx }) => listDirectory(ctx.app, ctx.user)),
	create: adminProcedure
		.input(createUserSchema)
		.mutation(async ({ ctx, input }) => ({ user: await createUser(ctx.app, input) })),
	update: adminProcedure
		.input(updateUserSchema)
		.mutation(async ({ ctx, input }) => ({ user: await updateUser(ctx.app, input, ctx.user.id) })),
	/** Removes the user's second factor and recovery codes (recorded in their account events). */
	resetTwoFactor: adminProcedure.input(userIdSchema).mutation(({ ctx, input }) => {
		getUser(ctx.app, input.id);
		resetTwoFactor(ctx.app, ctx.user, input.id);
		return { user: getUser(ctx.app, input.id) };
	}),
	/** Signs every device of the user out: each wipes its offline data at its next call. */
	signOutEverywhere: adminProcedure
		.input(userIdSchema)
		.mutation(({ ctx, input }) => ({ signedOut: signOutEverywhere(ctx.app, ctx.user, input.id) })),
	accountEvents: adminProcedure.input(userIdSchema).query(({ ctx, input }) => {
		getUser(ctx.app, input.id);
		return { events: listAccountEvents(ctx.app, input.id) };
	})
});
