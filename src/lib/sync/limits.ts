/**
 * The sync protocol's version and the size of a push or a pull: what the client's sync engine
 * needs of the wire contract, without the argument schemas (zod), so the agent app's first
 * screen does not load them (README, Performance row 7). `protocol.ts` re-exports all of it.
 */

/** Bumped on any incompatible change; an older client is told to update instead of syncing. */
export const PROTOCOL_VERSION = 1;

export const MAX_PUSH_BATCH = 500;
export const MAX_PULL_PAGE = 5000;

/**
 * What one push carries at most, as JSON, of its mutations' arguments: half the server's
 * 1,000,000-byte body limit, leaving room for the envelope (ids, names, JSON escaping).
 */
export const PUSH_ARGS_BUDGET = 500_000;

/**
 * The next push: the oldest queued mutations, as many as one push may hold (MAX_PUSH_BATCH) and
 * their arguments fit in PUSH_ARGS_BUDGET, and always at least one. A long outbox (changes made
 * offline) thus goes in a few pushes, each one transaction on the server, rather than a hundred
 * at a time; a push of long comments stays well under the body limit.
 */
export function nextPush<T extends { args: unknown }>(
	queued: readonly T[],
	budget = PUSH_ARGS_BUDGET
): T[] {
	const candidates = queued.slice(0, MAX_PUSH_BATCH);
	// Usually they all fit, which one JSON text of every argument shows: it is their sum plus a
	// comma each and brackets, and a character takes at most 3 bytes of UTF-8. Measuring each
	// mutation (a JSON text and its bytes apiece) cost ≈ 3 ms per 1,000 creates.
	const all = JSON.stringify(candidates.map((mutation) => mutation.args ?? null));
	const encoder = new TextEncoder();
	if (all.length * 3 <= budget || encoder.encode(all).length <= budget) return candidates;
	let bytes = 0;
	let count = 0;
	for (const mutation of candidates) {
		bytes += encoder.encode(JSON.stringify(mutation.args ?? null)).length;
		if (count > 0 && bytes > budget) break;
		count += 1;
	}
	return queued.slice(0, count);
}
