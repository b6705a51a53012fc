import { z } from 'zod';
import { pullInputSchema, pushInputSchema } from '../../../lib/sync/protocol';
import type { Beckon } from '../../app';
import { requireRead } from '../../services/requests';
import { pull, push } from '../../services/sync';
import { pokeEvents } from '../poke-scheduler';
import { agentProcedure, router } from '../trpc';

export { POKE_PACING, pokeEvents, pokeGapMs, type Poke, type PokeEvent } from '../poke-scheduler';

/** The pokes of `pokeEvents`, as tRPC's own stream sends them. */
export async function* pokes(app: Beckon, userId: string, signal: AbortSignal) {
	for await (const { poke } of pokeEvents(app, userId, signal)) yield poke;
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
	/**
	 * "Something you may see changed": with the changed rows when they fit (apply them if your
	 * cursor is `from`), else pull.
	 */
	poke: agentProcedure.subscription(({ ctx, signal }) => {
		// Checked before the stream starts, so a refusal is an ordinary FORBIDDEN answer.
		requireRead(ctx.user);
		return pokes(ctx.app, ctx.user.id, signal ?? new AbortController().signal);
	})
});
