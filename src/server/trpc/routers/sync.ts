import { canSee } from '../../../lib/domain/visibility';
import { pullInputSchema, pushInputSchema } from '../../../lib/sync/protocol';
import type { Beckon } from '../../app';
import type { Change } from '../../bus';
import { requireRead } from '../../services/requests';
import { pull, push } from '../../services/sync';
import { loadAuthUser, type AuthUser } from '../../services/users';
import { agentProcedure, router } from '../trpc';

function concerns(user: AuthUser, change: Change): boolean {
	if (change.everyone) return true;
	if (change.userIds?.includes(user.id)) return true;
	return [change.before, change.after].some((facts) => facts !== undefined && canSee(user, facts));
}

async function* pokes(app: Beckon, userId: string, signal: AbortSignal) {
	yield { at: new Date(app.clock()).toISOString(), reason: 'connected' as const };
	// A poke only says "pull": one answers a whole batch of changes (a push, an expiry sweep),
	// where one per change would send a thousand agents a thousand messages each.
	for await (const changes of app.bus.batches(signal)) {
		// Queues and roles change while a stream is open: judge with the user as they are now.
		const user = loadAuthUser(app, userId);
		if (!user) return;
		if (changes.some((change) => concerns(user, change))) {
			yield { at: new Date(app.clock()).toISOString(), reason: 'change' as const };
		}
	}
}

export const syncRouter = router({
	push: agentProcedure
		.input(pushInputSchema)
		.mutation(({ ctx, input }) => push(ctx.app, ctx.user, input)),
	pull: agentProcedure
		.input(pullInputSchema)
		.query(({ ctx, input }) => pull(ctx.app, ctx.user, input)),
	/** Carries no data: "something you may see changed, pull". */
	poke: agentProcedure.subscription(({ ctx, signal }) => {
		// Checked before the stream starts, so a refusal is an ordinary FORBIDDEN answer.
		requireRead(ctx.user);
		return pokes(ctx.app, ctx.user.id, signal ?? new AbortController().signal);
	})
});
