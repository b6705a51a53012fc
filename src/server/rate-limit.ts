import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key a limit counts a client address under: an IPv4 address as it is, an IPv6 address by
 * its /64 (the smallest block a provider hands one customer, so one host cannot escape a limit
 * by walking its own 2^64 addresses); an IPv4-mapped IPv6 address as its IPv4 address.
 */
export function addressKey(address: string): string {
	const plain = address.split('%')[0].toLowerCase();
	if (isIPv4(plain) || !isIPv6(plain)) return plain;
	const mapped = /^(?:0{0,4}:){0,5}(?:0{0,4}:)?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(plain);
	if (mapped && isIPv4(mapped[1])) return mapped[1];
	const [head, tail = ''] = plain.split('::');
	const headGroups = head ? head.split(':') : [];
	const tailGroups = tail ? tail.split(':') : [];
	// A trailing embedded IPv4 address takes two groups' room; only the first four groups matter.
	const tailWidth = tailGroups.reduce((n, group) => n + (group.includes('.') ? 2 : 1), 0);
	const zeros = plain.includes('::') ? 8 - headGroups.length - tailWidth : 0;
	const groups = [...headGroups, ...Array<string>(zeros).fill('0'), ...tailGroups];
	const prefix = groups.slice(0, 4).map((group) => (parseInt(group, 16) || 0).toString(16));
	return `${prefix.join(':')}::/64`;
}

/** Most keys a limiter keeps: past it, the least recently used is forgotten. */
export const LIMITER_KEYS = 100_000;

/**
 * A fixed-window counter per key, in memory: enough for one process guarding public endpoints.
 * The map is kept in order of last use (a hit moves its key to the end), so it stays bounded at
 * `maxKeys` by dropping its first key, the least recently used — constant work per hit, never a
 * scan. A key dropped that way had been idle longer than every other one.
 */
export class RateLimiter {
	readonly #hits = new Map<string, { count: number; resetAt: number }>();

	constructor(
		readonly limit: number,
		readonly windowMs: number,
		readonly maxKeys = LIMITER_KEYS
	) {}

	/** How many keys are held (bounded by `maxKeys`). */
	get size() {
		return this.#hits.size;
	}

	/** Counts one hit for `key`; false when the key is over its limit for the current window. */
	take(key: string, now: number): boolean {
		let entry = this.#hits.get(key);
		if (entry) this.#hits.delete(key);
		if (!entry || entry.resetAt <= now) entry = { count: 0, resetAt: now + this.windowMs };
		this.#hits.set(key, entry);
		if (this.#hits.size > this.maxKeys) this.#hits.delete(this.#hits.keys().next().value!);
		entry.count += 1;
		return entry.count <= this.limit;
	}

	/** Takes back one hit of `key` (an attempt that turned out not to count, e.g. a success). */
	refund(key: string) {
		const entry = this.#hits.get(key);
		if (entry && entry.count > 0) entry.count -= 1;
	}
}

export interface ThrottlePolicy {
	/** Failures that cost nothing. */
	free: number;
	/** The wait after the first failure past `free`; it doubles with each further one. */
	firstDelayMs: number;
	maxDelayMs: number;
	/** At this many failures the key is locked for `lockMs`. */
	lockAfter: number;
	lockMs: number;
	/** Failures are forgotten this long after the last one. */
	forgetMs: number;
}

/** A key's failed sign-ins: how many, and when the last one was. */
export interface ThrottleEntry {
	failures: number;
	lastAt: number;
}

/**
 * Where a LoginThrottle keeps its counts: in memory, or in the database (services/
 * login-failures.ts), where every instance sharing it counts together and a restart forgets
 * nothing. Each change is one step, so parallel attempts are all counted.
 */
export interface ThrottleStore {
	get(key: string): ThrottleEntry | undefined;
	/** One more failure at `now`; the first for a key it does not hold. */
	increment(key: string, now: number): void;
	/** One failure fewer (a key left at none is dropped). */
	decrement(key: string): void;
	delete(key: string): void;
	/** Drops every key whose last failure was before `before`. */
	prune(before: number): void;
}

export class MemoryThrottleStore implements ThrottleStore {
	readonly #keys = new Map<string, ThrottleEntry>();

	get(key: string) {
		const entry = this.#keys.get(key);
		return entry && { ...entry };
	}

	increment(key: string, now: number) {
		const entry = this.#keys.get(key);
		// Re-inserted, so the map stays in order of last failure and its first key is the oldest.
		this.#keys.delete(key);
		this.#keys.set(key, { failures: (entry?.failures ?? 0) + 1, lastAt: now });
		if (this.#keys.size > LIMITER_KEYS) this.#keys.delete(this.#keys.keys().next().value!);
	}

	decrement(key: string) {
		const entry = this.#keys.get(key);
		if (!entry) return;
		if (entry.failures <= 1) this.#keys.delete(key);
		else entry.failures -= 1;
	}

	delete(key: string) {
		this.#keys.delete(key);
	}

	prune(before: number) {
		// In order of last failure: stops at the first key still remembered.
		for (const [key, entry] of this.#keys) {
			if (entry.lastAt >= before) break;
			this.#keys.delete(key);
		}
	}
}

/** Old keys are dropped once per this many attempts. */
const PRUNE_EVERY = 1_000;

/**
 * Failed sign-ins per key (an address or an account), slowed and then locked: the first `free`
 * failures cost nothing; after each further one the next attempt must wait twice as long as after
 * the one before (from `firstDelayMs`, at most `maxDelayMs`); at `lockAfter` failures the key is
 * locked for `lockMs`. An attempt counts as failed before the password is checked, so parallel
 * guesses are held back too, and is taken back when it succeeds.
 */
export class LoginThrottle {
	#attempts = 0;

	constructor(
		readonly policy: ThrottlePolicy,
		readonly store: ThrottleStore = new MemoryThrottleStore()
	) {}

	/** How long `key` must wait before it may try again: 0 when it may try now. */
	waitMs(key: string, now: number): number {
		const entry = this.#current(key, now);
		return entry ? Math.max(0, entry.lastAt + this.#pause(entry.failures) - now) : 0;
	}

	/** Whether `key` is locked (not merely slowed) now. */
	locked(key: string, now: number): boolean {
		const entry = this.#current(key, now);
		return !!entry && entry.failures >= this.policy.lockAfter && this.waitMs(key, now) > 0;
	}

	/** Counts an attempt of `key` as a failure until `succeeded`; false (counting nothing) while it must wait. */
	attempt(key: string, now: number): boolean {
		if (this.waitMs(key, now) > 0) return false;
		if (++this.#attempts % PRUNE_EVERY === 0) this.store.prune(now - this.#remembered());
		this.store.increment(key, now);
		return true;
	}

	/** The attempt succeeded: it does not count; with `reset`, earlier failures are forgotten too. */
	succeeded(key: string, options: { reset?: boolean } = {}) {
		if (options.reset) this.store.delete(key);
		else this.store.decrement(key);
	}

	#pause(failures: number): number {
		const { free, firstDelayMs, maxDelayMs, lockAfter, lockMs } = this.policy;
		if (failures >= lockAfter) return lockMs;
		if (failures <= free) return 0;
		return Math.min(maxDelayMs, firstDelayMs * 2 ** (failures - free - 1));
	}

	/** The longest any key's failures are remembered. */
	#remembered(): number {
		const { forgetMs, lockMs, maxDelayMs } = this.policy;
		return Math.max(forgetMs, lockMs, maxDelayMs);
	}

	#current(key: string, now: number) {
		const entry = this.store.get(key);
		if (!entry) return undefined;
		const over = Math.max(this.policy.forgetMs, this.#pause(entry.failures));
		if (now - entry.lastAt < over) return entry;
		this.store.delete(key);
		return undefined;
	}
}
