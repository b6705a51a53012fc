/**
 * A budget of server time for each user's reads (queries), so that one user — a script, a
 * stuck tab, a view-only account flooding `requests.list` and `sync.pull` — cannot keep the one
 * event loop busy for everyone else. Two rules:
 *
 * - **One lane per user.** A user's reads run one at a time, each after a turn of the event
 *   loop (`setImmediate`), so other users' requests are read and answered between any two of
 *   them, whatever the batching or the number of connections. At most `maxWaiting` reads wait in
 *   a lane; more are refused at once, at almost no cost.
 * - **Time, not calls.** Each read's duration is charged to its user; the balance refills at
 *   `msPerSecond` up to `burstMs`. A read that finds the balance spent waits for it to refill
 *   (the whole lane with it), or is refused when that would take over `maxWaitMs`.
 * - **Only while others want the server.** The balance binds while someone else (another user, or
 *   anyone unsigned such as an end user's link page) has called within `contendedMs`. On a server
 *   nobody else is using, a user's reads run back to back (still one at a time, each after a turn
 *   of the event loop) and the balance does not go below zero: a new device's first sync of a
 *   hundred thousand requests is not held to a sixth of a core for no one's benefit, and the
 *   moment another caller arrives, the budget applies again from an empty balance.
 *
 * Real time (not the app's clock): this limits what the machine spends.
 */
import { DomainError, DomainErrorReason } from '../lib/domain/errors';
import { LIMITER_KEYS } from './rate-limit';

interface Lane {
	balance: number;
	refilledAt: number;
	waiting: number;
	tail: Promise<void>;
}

export interface ReadBudgetPolicy {
	msPerSecond: number;
	burstMs: number;
	/** Reads that may wait in one user's lane; more are refused at once. */
	maxWaiting: number;
	/** The longest a read waits for the balance to refill before it is refused. */
	maxWaitMs: number;
	/** How recent another caller's call must be for the balance to bind. */
	contendedMs: number;
}

export const READ_BUDGET: ReadBudgetPolicy = {
	msPerSecond: 150,
	burstMs: 500,
	maxWaiting: 50,
	maxWaitMs: 2_000,
	contendedMs: 1_000
};

/** Whoever called last, and when. */
interface Caller {
	id: string;
	at: number;
}

const tooMany = () =>
	new DomainError(DomainErrorReason.rateLimited, 'Too many reads; try again in a moment');

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class ReadBudget {
	// In order of last use (an LRU, as in rate-limit.ts): bounded without scans.
	readonly #lanes = new Map<string, Lane>();
	// The last caller, and the last one other than them: enough to tell, for anyone, when someone
	// else last called.
	#last: Caller | null = null;
	#lastOther: Caller | null = null;

	constructor(
		readonly policy: ReadBudgetPolicy = READ_BUDGET,
		readonly now: () => number = () => performance.now()
	) {}

	/**
	 * Waits for `userId`'s turn; returns the function to call with the read's duration once it
	 * is done (which lets the next read of the lane go). Refuses when the lane is full or the
	 * balance spent.
	 */
	async enter(userId: string): Promise<(elapsedMs: number) => void> {
		this.noteCall(userId);
		const lane = this.#lane(userId);
		if (lane.waiting >= this.policy.maxWaiting) throw tooMany();
		lane.waiting += 1;
		const previous = lane.tail;
		let done!: () => void;
		lane.tail = new Promise<void>((resolve) => (done = resolve));
		try {
			await previous;
			await nextTurn();
		} finally {
			lane.waiting -= 1;
		}
		this.#refill(lane);
		if (lane.balance <= 0 && this.contended(userId)) {
			// A short deficit is waited out (the lane waits with it: a flooding client's
			// connections then sit idle instead of coming back at once); a long one is refused.
			const waitMs = (-lane.balance / this.policy.msPerSecond) * 1000 + 1;
			if (waitMs > this.policy.maxWaitMs) {
				done();
				throw tooMany();
			}
			await new Promise((resolve) => setTimeout(resolve, waitMs));
			this.#refill(lane);
		}
		return (elapsedMs) => {
			lane.balance -= elapsedMs;
			if (!this.contended(userId)) lane.balance = Math.max(lane.balance, 0);
			done();
		};
	}

	/**
	 * Records a call by `callerId` (a user's id, or one id for everyone not signed in): every API
	 * call is noted, reads or not, since any of them makes the server wanted by someone.
	 */
	noteCall(callerId: string): void {
		const at = this.now();
		if (this.#last && this.#last.id !== callerId) this.#lastOther = this.#last;
		this.#last = { id: callerId, at };
	}

	/** Whether someone other than `userId` called within the last `contendedMs`. */
	contended(userId: string): boolean {
		const other = this.#last?.id !== userId ? this.#last : this.#lastOther;
		return other !== null && this.now() - other.at <= this.policy.contendedMs;
	}

	/** The balance of `userId` now, in milliseconds (for tests and logs). */
	balanceOf(userId: string): number {
		const lane = this.#lanes.get(userId);
		if (!lane) return this.policy.burstMs;
		this.#refill(lane);
		return lane.balance;
	}

	#lane(userId: string): Lane {
		let lane = this.#lanes.get(userId);
		if (lane) this.#lanes.delete(userId);
		lane ??= {
			balance: this.policy.burstMs,
			refilledAt: this.now(),
			waiting: 0,
			tail: Promise.resolve()
		};
		this.#lanes.set(userId, lane);
		if (this.#lanes.size > LIMITER_KEYS) this.#lanes.delete(this.#lanes.keys().next().value!);
		return lane;
	}

	#refill(lane: Lane) {
		const now = this.now();
		const earned = ((now - lane.refilledAt) / 1000) * this.policy.msPerSecond;
		lane.balance = Math.min(this.policy.burstMs, lane.balance + earned);
		lane.refilledAt = now;
	}
}
