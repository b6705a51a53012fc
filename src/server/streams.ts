/**
 * Bounds on live streams (`sync.poke`, `link.watch`, `link.signals`, `requests.signals`): how
 * many one user, one session link and one client address may hold open at once; how long one may
 * last (the connection is then dropped, and the client reconnects and resumes — from its last
 * event id where the stream has them — as after any network failure); and how much a consumer
 * that stops reading may leave buffered before it is dropped.
 */
import type { ServerResponse } from 'node:http';
import type { Beckon } from './app';
import { addressKey } from './rate-limit';

export const STREAM_LIMITS = {
	// Generous enough for an agent's devices and tabs (and the benchmarks' 100 streams per agent
	// and 1,000 from one address), small enough that no one caller holds the server's memory.
	perUser: 100,
	perLink: 6,
	perAddress: 2_000,
	/** Streams are dropped after this long; clients reconnect at once. */
	lifetimeMs: 30 * 60_000,
	/** Bytes a stream may have waiting in its socket before its consumer is dropped. */
	maxBufferedBytes: 256 * 1024,
	/** How long a stream waits for a full socket to drain before its consumer is dropped. */
	drainTimeoutMs: 30_000
};

/** Who holds a stream: each given key counts against its own cap. */
export interface StreamHolder {
	userId?: string | null;
	/** The request a session link names. */
	linkRequestId?: string | null;
	address: string;
}

class StreamSlots {
	readonly #open = new Map<string, number>();

	/** Takes a slot under every key of `holder`; null (taking none) when any is full. */
	acquire(holder: StreamHolder): (() => void) | null {
		const keys: [string, number][] = [
			[`address:${addressKey(holder.address)}`, STREAM_LIMITS.perAddress]
		];
		if (holder.userId) keys.push([`user:${holder.userId}`, STREAM_LIMITS.perUser]);
		if (holder.linkRequestId) keys.push([`link:${holder.linkRequestId}`, STREAM_LIMITS.perLink]);
		if (keys.some(([key, cap]) => (this.#open.get(key) ?? 0) >= cap)) return null;
		for (const [key] of keys) this.#open.set(key, (this.#open.get(key) ?? 0) + 1);
		let released = false;
		return () => {
			if (released) return;
			released = true;
			for (const [key] of keys) {
				const left = (this.#open.get(key) ?? 1) - 1;
				if (left <= 0) this.#open.delete(key);
				else this.#open.set(key, left);
			}
		};
	}

	/** Open streams under a key (for tests). */
	count(key: string): number {
		return this.#open.get(key) ?? 0;
	}
}

const slots = new WeakMap<Beckon, StreamSlots>();

export function streamSlotsOf(app: Beckon): StreamSlots {
	let found = slots.get(app);
	if (!found) slots.set(app, (found = new StreamSlots()));
	return found;
}

/** Drops the connection once the stream has lived `lifetimeMs`; returns the cancel function. */
export function dropAfterLifetime(res: ServerResponse): () => void {
	const timer = setTimeout(() => res.destroy(), STREAM_LIMITS.lifetimeMs);
	timer.unref();
	const cancel = () => clearTimeout(timer);
	res.once('close', cancel);
	return cancel;
}

/** Whether a consumer has stopped reading: its socket holds more than the bound. */
export const consumerStalled = (res: ServerResponse) =>
	res.writableLength > STREAM_LIMITS.maxBufferedBytes;

/** Waits for `res` to drain; drops the consumer (false) if it does not within the timeout. */
export function drainOrDrop(res: ServerResponse): Promise<boolean> {
	return new Promise((resolve) => {
		const done = (drained: boolean) => {
			clearTimeout(timer);
			res.off('drain', onDrain);
			res.off('close', onClose);
			if (!drained) res.destroy();
			resolve(drained);
		};
		const onDrain = () => done(true);
		const onClose = () => done(false);
		const timer = setTimeout(() => done(false), STREAM_LIMITS.drainTimeoutMs);
		res.once('drain', onDrain);
		res.once('close', onClose);
	});
}

/** Ends `source` after yielding what it yields, calling `release` once it ends, however it ends. */
export async function* releasing<T>(source: AsyncIterable<T>, release: () => void) {
	try {
		yield* source;
	} finally {
		release();
	}
}
