import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { canSee } from '../../../lib/domain/visibility';
import { pullInputSchema, pushInputSchema } from '../../../lib/sync/protocol';
import type { Beckon } from '../../app';
import type { Change, Coverage } from '../../bus';
import { pokeChanges, type PokeChanges } from '../../services/poke-data';
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
 * How often one stream may be poked without data. Such a poke only says "pull", and a device
 * pulls once per poke at most, so what they cost the server grows with open streams × pokes per
 * stream. The server holds the product to a budget: with few streams open (a small team, a test)
 * every change is announced at once; with many, each stream waits its share of the budget after
 * a plain poke, and the changes made meanwhile are announced together (today's figure: 1,000
 * devices, one poke each per 100 ms at most). The wait never exceeds `maxGapMs`, so a change is
 * seen within it. A poke that carries its rows costs no pull: it has its own, larger budget
 * (`dataPokesPerSecond`), which only bounds how many messages the server writes.
 * Tests may change the figures.
 */
export const POKE_PACING = { pokesPerSecond: 10_000, dataPokesPerSecond: 10_000, maxGapMs: 250 };

/** The least time between two pokes on one stream while `openStreams` are open. */
export function pokeGapMs(openStreams: number, perSecond = POKE_PACING.pokesPerSecond): number {
	return Math.min(POKE_PACING.maxGapMs, (openStreams * 1_000) / perSecond);
}

/** Below this a wait is not worth a timer: the stream answers the next change at once. */
const SHORTEST_GAP_MS = 1;

const openPokeStreams = new WeakMap<Beckon, { count: number }>();

/**
 * One poke: `connected` when the stream opens, then `change`. A change poke may carry the rows
 * of the changes it announces (services/poke-data.ts): `from`, `to`, `changes`, `deleted`.
 */
export type Poke = { at: string; reason: 'connected' | 'change' } & Partial<PokeChanges>;

/** A poke and its JSON, made from each row's JSON made once for all streams (poke-stream.ts). */
export interface PokeEvent {
	poke: Poke;
	json: string;
}

export async function* pokeEvents(
	app: Beckon,
	userId: string,
	signal: AbortSignal
): AsyncGenerator<PokeEvent> {
	const viewer = await runTask(app, 'sync.viewer', userId);
	if (!viewer) return;
	let open = openPokeStreams.get(app);
	if (!open) openPokeStreams.set(app, (open = { count: 0 }));
	open.count += 1;
	const plain = (reason: Poke['reason']): PokeEvent => {
		const at = new Date(app.clock()).toISOString();
		return { poke: { at, reason }, json: `{"at":"${at}","reason":"${reason}"}` };
	};
	try {
		yield plain('connected');
		// One poke answers a whole batch of changes (a push, an expiry sweep), where one per change
		// would send a thousand agents a thousand messages each.
		// Judged as each change is announced: changes for others never wake this stream.
		let { user: current, epoch } = viewer;
		// The versions announced before this stream heard any: its first poke's range starts there.
		let covered: Coverage = app.bus.coverage();
		const batches = app.bus.batches(
			signal,
			(change) => concerns(current, change),
			() => (covered = app.bus.coverage())
		);
		for await (const changes of batches) {
			const start = covered;
			covered = app.bus.coverage();
			// Queues, roles and deactivation change while a stream is open, and each such change is
			// announced naming the user (view epochs): only then is the user read again.
			// A change for everyone may stand for changes unheard (another instance's): read it too.
			if (changes.some((change) => change.everyone || change.userIds?.includes(userId))) {
				const reloaded = await runTask(app, 'sync.viewer', userId);
				if (!reloaded) return;
				({ user: current, epoch } = reloaded);
			}
			// The batch's rows when they may be sent (the range is whole, nobody's view changed),
			// else a plain poke, and the device pulls.
			const carried = pokeChanges(app, current, epoch, changes, start, covered);
			if (carried) {
				const at = new Date(app.clock()).toISOString();
				yield {
					poke: { at, reason: 'change', ...carried.data },
					json: `{"at":"${at}","reason":"change",${carried.json}}`
				};
			} else {
				yield plain('change');
			}
			// Changes made meanwhile wait in the bus's queue and make the next batch.
			const gap = pokeGapMs(open.count, carried ? POKE_PACING.dataPokesPerSecond : undefined);
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
