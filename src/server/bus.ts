/**
 * In-process change notifications behind pokes and link watches. Changes made inside a
 * transaction are held until the outermost transaction commits, so nobody pulls a change that
 * is not yet visible (or was rolled back).
 */
import { EventEmitter, on } from 'node:events';
import type { VisibilityFacts } from '../lib/domain/visibility';

export interface Change {
	/** The request that changed, if any. */
	requestId?: string;
	/** Who could see it before and after: both sides must hear of it (after = removal for some). */
	before?: VisibilityFacts;
	after?: VisibilityFacts;
	/** Users whose view changed as a whole (queue membership, role). */
	userIds?: readonly string[];
	/** Everyone, e.g. a queue was renamed. */
	everyone?: boolean;
}

export class ChangeBus {
	readonly #emitter = new EventEmitter();
	readonly #closing = new AbortController();
	#held: Change[] = [];

	constructor() {
		// Every open SSE stream listens; the default warning threshold of 10 is far too low.
		this.#emitter.setMaxListeners(0);
	}

	hold(change: Change) {
		this.#held.push(change);
	}

	flush() {
		const changes = this.#held;
		this.#held = [];
		for (const change of changes) this.#emitter.emit('change', change);
	}

	discard() {
		this.#held = [];
	}

	/**
	 * Ends every live stream (at shutdown): the HTTP server can then close without waiting for
	 * them, and clients reconnect to whichever server answers next.
	 */
	close() {
		this.#closing.abort();
	}

	/** Iterates changes until `signal` aborts or the bus closes. */
	async *changes(signal: AbortSignal): AsyncGenerator<Change> {
		const until = AbortSignal.any([signal, this.#closing.signal]);
		try {
			for await (const [change] of on(this.#emitter, 'change', { signal: until })) {
				yield change as Change;
			}
		} catch (error) {
			if (!until.aborted) throw error;
		}
	}
}
