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
	const encoder = new TextEncoder();
	let bytes = 0;
	let count = 0;
	for (const mutation of queued.slice(0, MAX_PUSH_BATCH)) {
		bytes += encoder.encode(JSON.stringify(mutation.args ?? null)).length;
		if (count > 0 && bytes > budget) break;
		count += 1;
	}
	return queued.slice(0, count);
}
