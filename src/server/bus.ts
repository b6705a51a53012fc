/**
 * Change notifications behind pokes and link watches. Changes made inside a transaction are held
 * until the outermost transaction commits, so nobody pulls a change that is not yet visible (or
 * was rolled back). With several instances on one PostgreSQL, a relay (bus-postgres.ts) carries
 * each instance's committed changes to the others, whose listeners hear them as their own.
 */
import { setMaxListeners } from 'node:events';
import type { SessionRequest } from '../lib/domain/types';
import type { VisibilityFacts } from '../lib/domain/visibility';
import type { SignalMessage } from '../lib/link/session/signal-protocol';
import type { SessionRequestRow } from './db/schema';

/** A row's JSON and its length in UTF-8 bytes. */
export interface SerialisedRow {
	text: string;
	bytes: number;
}

/**
 * A request row as one write left it, carried by its change to this instance's poke streams so
 * that a poke can hold the row itself (services/poke-data.ts) instead of sending every device to
 * pull it. Never relayed to other instances (bus-postgres.ts strips it): theirs are plain pokes.
 */
export interface WrittenRow {
	row: SessionRequestRow;
	/**
	 * The row as the API returns it (link included), made once for every stream: by the first
	 * stream that needs it, or before the row leaves the database thread (PostgreSQL), whose
	 * HTTP thread has no link secret.
	 */
	request?: SessionRequest;
	/** `request` as JSON, with and without its link: serialised once per change, not per stream. */
	json?: SerialisedRow;
	jsonWithoutLink?: SerialisedRow;
}

export interface Change {
	/** The request that changed, if any. */
	requestId?: string;
	/** Who could see it before and after: both sides must hear of it (after = removal for some). */
	before?: VisibilityFacts;
	after?: VisibilityFacts;
	/** Users whose view changed as a whole (queue membership, role). */
	userIds?: readonly string[];
	/**
	 * Everyone, e.g. a queue was renamed, or changes may have gone unheard (the relay between
	 * instances reconnected): every listener hears it, whatever its `accept` filter.
	 */
	everyone?: boolean;
	/** The row as written (this instance's commits only): lets pokes carry it. */
	written?: WrittenRow;
}

/**
 * How far the changes this bus announced are known to cover the server's version counter without
 * a gap: every version up to `version` was announced with its row (`written`), since the last
 * break (`era`). A break is any announcement whose versions are unknown or leave a gap: another
 * instance's changes, a change for everyone, a commit whose first version does not follow the
 * last one announced. Two coverages of one era bound a range of versions whose every visible row
 * a listener has heard, which a poke may then carry (`version` null: nothing known yet).
 */
export interface Coverage {
	era: number;
	version: number | null;
}

/** Carries committed changes to the other instances. */
export interface ChangeRelay {
	publish(changes: readonly Change[]): void;
}

/** A signalling message between a live session's two browsers, relayed between hubs. */
export interface RelayedSignal {
	requestId: string;
	from: 'agent' | 'end_user';
	message: SignalMessage;
	/** The agent who sent it (agents' messages). */
	agent?: { id: string; name: string };
}

/**
 * What a Beckon relays beyond itself: its committed changes and its live-session signalling. On
 * PostgreSQL the instance's relay (bus-postgres.ts) carries them to the other instances; the
 * database thread's (db-thread/worker.ts) carries them to the HTTP thread of its own instance.
 */
export interface InstanceRelay extends ChangeRelay {
	/** Settles once the relay carries messages (or has given up for now and retries). */
	readonly ready: Promise<void>;
	publishSignal(signal: RelayedSignal): void;
	onSignal(listener: (signal: RelayedSignal) => void): () => void;
	close(): Promise<void>;
}

/** Changes one listener may hold before they are folded into one (see batches). */
export const MAX_QUEUED = 1_000;

export class ChangeBus {
	// Every open live stream (pokes, link watches) listens: a thousand agents are a thousand
	// listeners, so each costs only a closure and a small queue (events.on() would hold two
	// 2,048-slot queues and an AbortSignal.any() per stream: over 30 KB each).
	readonly #listeners = new Set<(change: Change) => void>();
	readonly #closing = new AbortController();
	#held: Change[] = [];
	#relay: ChangeRelay | null = null;
	#coverage: Coverage = { era: 0, version: null };

	constructor() {
		// Every live stream waits on the closing signal: a thousand listeners are expected.
		setMaxListeners(0, this.#closing.signal);
	}

	hold(change: Change) {
		this.#held.push(change);
	}

	/** How many changes are held: a savepoint's mark, for `discardSince`. */
	heldCount(): number {
		return this.#held.length;
	}

	/** Drops the changes held since `mark` (a savepoint rolled back: they never happened). */
	discardSince(mark: number) {
		this.#held.length = Math.min(this.#held.length, mark);
	}

	/** The versions announced so far without a gap (see Coverage). */
	coverage(): Coverage {
		return this.#coverage;
	}

	/**
	 * Says that every version up to `version` is in the database and none after it (at start,
	 * read from the counter): the first commit announced after it then follows without a break.
	 */
	coverFrom(version: number) {
		this.#coverage = { era: this.#coverage.era + 1, version };
	}

	/** Moves the coverage past one announcement (one commit's changes, or a relayed batch). */
	#cover(changes: readonly Change[]) {
		let first = Infinity;
		let last = -Infinity;
		const versions = new Set<number>();
		let known = true;
		for (const change of changes) {
			if (change.written) {
				const { version } = change.written.row;
				versions.add(version);
				first = Math.min(first, version);
				last = Math.max(last, version);
			} else if (change.everyone || (change.requestId !== undefined && !change.userIds)) {
				// A request changed at versions not told, or changes may have gone unheard.
				known = false;
			}
		}
		const { era, version } = this.#coverage;
		if (!known) {
			this.#coverage = { era: era + 1, version: null };
		} else if (versions.size > 0) {
			// A commit's versions are consecutive (one writer at a time takes them): a hole means a
			// version written without its row told, so is a break too.
			const whole = versions.size === last - first + 1;
			this.#coverage =
				whole && version === first - 1
					? { era, version: last }
					: { era: era + 1, version: whole ? last : null };
		}
	}

	/** Announces the held changes (their transaction committed), here and to other instances. */
	flush() {
		const changes = this.#held;
		this.#held = [];
		this.deliver(changes);
		if (changes.length > 0) this.#relay?.publish(changes);
	}

	/** Announces changes to this instance's listeners only (e.g. committed by another one). */
	deliver(changes: readonly Change[]) {
		// Before the listeners hear them: a listener that takes its batch reads the coverage then.
		this.#cover(changes);
		for (const change of changes) {
			for (const listener of this.#listeners) listener(change);
		}
	}

	/**
	 * Calls `listener` with every change announced here, unfiltered and unqueued, until the
	 * returned function is called: for one listener that serves many streams itself (the poke
	 * scheduler, trpc/poke-scheduler.ts).
	 */
	listen(listener: (change: Change) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/** Aborts when the bus closes (shutdown): every live stream ends. */
	get closing(): AbortSignal {
		return this.#closing.signal;
	}

	relayTo(relay: ChangeRelay | null) {
		this.#relay = relay;
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

	/** Iterates changes (those `accept` takes, if given) until `signal` aborts or the bus closes. */
	async *changes(
		signal: AbortSignal,
		accept?: (change: Change) => boolean
	): AsyncGenerator<Change> {
		for await (const batch of this.batches(signal, accept)) yield* batch;
	}

	/**
	 * Iterates changes in batches: everything announced since the listener last took some, e.g.
	 * all the changes of one push or one expiry sweep. A listener that only needs to know that
	 * something changed (a poke) then answers a thousand changes once.
	 *
	 * `accept` is asked at once, as each change is announced (a change for `everyone` is not
	 * asked about): a change it refuses is dropped
	 * without waking the listener. A thousand open streams each waking for every change of the
	 * whole team, to find most of them concern someone else, cost more than the changes did.
	 */
	async *batches(
		signal: AbortSignal,
		accept?: (change: Change) => boolean,
		listening?: () => void
	): AsyncGenerator<Change[]> {
		const signals = [signal, this.#closing.signal];
		let queue: Change[] = [];
		let wake: (() => void) | null = null;
		const awaken = () => {
			wake?.();
			wake = null;
		};
		const listener = (change: Change) => {
			if (accept && !change.everyone && !accept(change)) return;
			// A listener that does not take its changes (its stream's consumer stopped reading)
			// holds at most MAX_QUEUED: past it they fold into one change for everyone, which every
			// listener already treats as "something may have changed unheard".
			if (queue.length >= MAX_QUEUED) queue = [{ everyone: true }];
			else queue.push(change);
			awaken();
		};
		const ended = () => signals.some((s) => s.aborted);
		this.#listeners.add(listener);
		// From here on every announcement reaches this listener (a poke stream's starting coverage).
		listening?.();
		for (const s of signals) s.addEventListener('abort', awaken);
		try {
			while (!ended()) {
				if (queue.length === 0) {
					await new Promise<void>((resolve) => (wake = resolve));
					continue;
				}
				const batch = queue;
				queue = [];
				yield batch;
			}
		} finally {
			this.#listeners.delete(listener);
			for (const s of signals) s.removeEventListener('abort', awaken);
		}
	}
}
