/** How the sweeping jobs run: now (catching up after downtime), then every interval. */
import { log } from '../log';

/**
 * Runs `work` at once and every `intervalMs`; a failure is logged and retried at the next
 * interval. The timer does not keep the process alive. Returns the function that stops it.
 */
export function periodically(what: string, intervalMs: number, work: () => void): () => void {
	const run = () => {
		try {
			work();
		} catch (error) {
			log.error({ err: error }, `${what} failed; retrying at the next interval`);
		}
	};
	run();
	const timer = setInterval(run, intervalMs);
	timer.unref();
	return () => clearInterval(timer);
}
