import { z } from 'zod';
import { loginSchema } from '../../../lib/domain/schemas';
import { login, logout, SESSION_LIFETIME_MS } from '../../services/auth';
import { getUser } from '../../services/users';
import { sessionCookie } from '../context';
import { agentProcedure, publicProcedure, router } from '../trpc';

export const authRouter = router({
	login: publicProcedure.input(loginSchema).mutation(async ({ ctx, input }) => {
		const { user, sessionToken } = await login(ctx.app, input, ctx.clientAddress);
		ctx.resHeaders?.append(
			'set-cookie',
			sessionCookie(ctx, sessionToken, Math.floor(SESSION_LIFETIME_MS / 1000))
		);
		return { user: getUser(ctx.app, user.id) };
	}),
	logout: publicProcedure.input(z.object({}).optional()).mutation(({ ctx }) => {
		if (ctx.sessionToken) logout(ctx.app, ctx.sessionToken);
		ctx.resHeaders?.append('set-cookie', sessionCookie(ctx, '', 0));
		return { ok: true as const };
	}),
	me: agentProcedure.query(({ ctx }) => ({ user: getUser(ctx.app, ctx.user.id) }))
});
