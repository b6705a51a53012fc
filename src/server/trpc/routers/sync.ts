import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { canSee } from '../../../lib/domain/visibility';
import { pullInputSchema, pushInputSchema } from '../../../lib/sync/protocol';
import type { Beckon } from '../../app';
import type { Change } from '../../bus';
import { requireRead } from '../../services/requests';
import { pull, push } from '../../services/sync';
import type { AuthUser } from '../../services/users';
import { runTask } from '../../tasks';
import { agentProcedure, router } from '../trpc';

function concerns(user: AuthUser, change: Change): boolean {
	if (change.userIds?.includes(user.id)) return true;
	return [change.before, change.after].some((facts) => facts !== undefined && canSee(user, facts));
}

/**
 * How often one stream may be poked. A poke only says "pull", and a device pulls once per poke
 * at most, so what pokes cost the server grows with open streams × pokes per stream. The server
 * holds the product to a budget: with few streams open (a small team, a test) every change is
 * announced at once; with many, each stream waits its share of the budget after a poke, and the
 * changes made meanwhile are announced together (today's figure: 1,000 devices, one poke each per
 * 100 ms at most). The wait never exceeds `maxGapMs`, so a change is seen within it.
 * Tests may change the figures.
 */
export const POKE_PACING = { pokesPerSecond: 10_000, maxGapMs: 250 };

/** The least time between two pokes on one stream while `openStreams` are open. */
export function pokeGapMs(openStreams: number): number {
	return Math.min(POKE_PACING.maxGapMs, (openStreams * 1_000) / POKE_PACING.pokesPerSecond);
}

/** Below this a wait is not worth a timer: the stream answers the next change at once. */
const SHORTEST_GAP_MS = 1;

const openPokeStreams = new WeakMap<Beckon, { count: number }>();

export async function* pokes(app: Beckon, userId: string, signal: AbortSignal) {
	const user = await runTask(app, 'users.load', userId);
	if (!user) return;
	let open = openPokeStreams.get(app);
	if (!open) openPokeStreams.set(app, (open = { count: 0 }));
	open.count += 1;
	try {
		yield { at: new Date(app.clock()).toISOString(), reason: 'connected' as const };
		// A poke only says "pull": one answers a whole batch of changes (a push, an expiry sweep),
		// where one per change would send a thousand agents a thousand messages each.
		// Judged as each change is announced: changes for others never wake this stream.
		let current: AuthUser = user;
		for await (const changes of app.bus.batches(signal, (change) => concerns(current, change))) {
			// Queues, roles and deactivation change while a stream is open, and each such change is
			// announced naming the user (view epochs): only then is the user read again.
			// A change for everyone may stand for changes unheard (another instance's): read it too.
			if (changes.some((change) => change.everyone || change.userIds?.includes(userId))) {
				const reloaded = await runTask(app, 'users.load', userId);
				if (!reloaded) return;
				current = reloaded;
			}
			yield { at: new Date(app.clock()).toISOString(), reason: 'change' as const };
			// Changes made meanwhile wait in the bus's queue and make the next batch.
			const gap = pokeGapMs(open.count);
			if (gap < SHORTEST_GAP_MS) continue;
			try {
				await sleep(gap, undefined, { signal });
			} catch {
				return; // the client went away
			}
		}
	} finally {
		open.count -= 1;
	}
}

const PUSH_INPUT = z.compile(pushInputSchema);

export const syncRouter = router({
	push: agentProcedure
		// Compiled (zod's z.compile): a push's 500 mutations are checked by generated code; a
		// refusal still comes from the schema's own parse, word for word.
		.input(PUSH_INPUT)
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
