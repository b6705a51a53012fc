/**
 * The loop every outbox (mail, pushes, webhooks) is delivered by: a pass over what is due at
 * start, every `intervalMs` (retries fall due with time) and whenever a request changed (its
 * outbox rows are written with the change, so hearing of one after its commit means some may be
 * due). One pass at a time; a call during a pass asks for one more after it, which catches
 * whatever arrived meanwhile. Stopping waits for the pass under way, so its outcomes are recorded.
 */
import type { Beckon } from '../app';
import { log } from '../log';

export interface OutboxJob {
	/** Named in the log line of a failed pass, e.g. 'mail delivery'. */
	name: string;
	intervalMs: number;
	/** One pass over what is due; stops early once `signal` is aborted. */
	deliver(signal: AbortSignal): Promise<unknown>;
	/**
	 * Whether anything is due now: a cheap read outside any transaction. The job wakes for every
	 * change of a request, most of which write nothing to its outbox; a pass (whose claims are
	 * write transactions) starts only when this says so.
	 */
	isDue(): boolean;
}

/** Starts the job; returns the function that stops it. */
export function startOutboxJob(app: Beckon, job: OutboxJob): () => Promise<void> {
	const stopping = new AbortController();
	let running: Promise<void> | null = null;
	let again = false;

	const run = () => {
		if (stopping.signal.aborted) return;
		if (running) {
			again = true;
			return;
		}
		const pass = async () => {
			do {
				again = false;
				try {
					if (job.isDue()) await job.deliver(stopping.signal);
				} catch (error) {
					log.error({ err: error }, `${job.name} failed; retrying at the next interval`);
				}
			} while (again && !stopping.signal.aborted);
		};
		// Cleared once the pass has settled, never before `running` is set (a pass with nothing
		// due ends without waiting on anything).
		running = pass().finally(() => (running = null));
	};

	run();
	const timer = setInterval(run, job.intervalMs);
	timer.unref();
	// Once per batch of request changes committed together (a push of 500 creates wakes it once,
	// not 500 times, each a due check), and for a change to everyone: it is also what a listener
	// holding too many changes gets instead of them (bus.ts), e.g. during a sweep of 10,000.
	void (async () => {
		for await (const _ of app.bus.batches(stopping.signal, (change) => !!change.requestId)) run();
	})();

	return async () => {
		stopping.abort();
		clearInterval(timer);
		await running;
	};
}
