/** A fixed-window counter per key, in memory: enough for one process guarding public endpoints. */
export class RateLimiter {
	readonly #hits = new Map<string, { count: number; resetAt: number }>();

	constructor(
		readonly limit: number,
		readonly windowMs: number
	) {}

	/** Counts one hit for `key`; false when the key is over its limit for the current window. */
	take(key: string, now: number): boolean {
		let entry = this.#hits.get(key);
		if (!entry || entry.resetAt <= now) {
			if (this.#hits.size > 50_000) this.#prune(now);
			entry = { count: 0, resetAt: now + this.windowMs };
			this.#hits.set(key, entry);
		}
		entry.count += 1;
		return entry.count <= this.limit;
	}

	/** Takes back one hit of `key` (an attempt that turned out not to count, e.g. a success). */
	refund(key: string) {
		const entry = this.#hits.get(key);
		if (entry && entry.count > 0) entry.count -= 1;
	}

	#prune(now: number) {
		for (const [key, entry] of this.#hits) if (entry.resetAt <= now) this.#hits.delete(key);
	}
}
