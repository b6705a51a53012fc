import { canSee } from '../../../lib/domain/visibility';
import { pullInputSchema, pushInputSchema } from '../../../lib/sync/protocol';
import type { Change } from '../../bus';
import { loadAuthUser } from '../../services/users';
import { pull, push } from '../../services/sync';
import { requireRead } from '../../services/requests';
import { agentProcedure, router } from '../trpc';
import type { AuthUser } from '../../services/users';

function concerns(user: AuthUser, change: Change): boolean {
	if (change.everyone) return true;
	if (change.userIds?.includes(user.id)) return true;
	return [change.before, change.after].some((facts) => facts !== undefined && canSee(user, facts));
}

export const syncRouter = router({
	push: agentProcedure
		.input(pushInputSchema)
		.mutation(({ ctx, input }) => push(ctx.app, ctx.user, input)),
	pull: agentProcedure
		.input(pullInputSchema)
		.query(({ ctx, input }) => pull(ctx.app, ctx.user, input)),
	/** Carries no data: "something you may see changed, pull". */
	poke: agentProcedure.subscription(async function* ({ ctx, signal }) {
		requireRead(ctx.user);
		const abort = signal ?? new AbortController().signal;
		yield { at: new Date(ctx.app.clock()).toISOString(), reason: 'connected' as const };
		for await (const change of ctx.app.bus.changes(abort)) {
			// Queues and roles change while a stream is open: judge with the user as they are now.
			const user = loadAuthUser(ctx.app, ctx.user.id);
			if (!user) return;
			if (concerns(user, change)) {
				yield { at: new Date(ctx.app.clock()).toISOString(), reason: 'change' as const };
			}
		}
	})
});
