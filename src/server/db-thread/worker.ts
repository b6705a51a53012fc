/**
 * The database thread of a server on PostgreSQL.
 *
 * Beckon's services are synchronous transactions (better-sqlite3's model: a push is one
 * transaction with a savepoint per mutation, a sweep writes a batch), and on PostgreSQL each
 * statement waits for its answer (db/postgres.ts). Waiting is fine in this thread and nowhere
 * else: the HTTP thread (host.ts) keeps every connection, live stream, ping and the signalling
 * hub, and hands this thread the API calls (answered whole, as JSON) and the few reads its
 * streams need (tasks.ts). A lock held elsewhere, a slow query or a stalled network therefore
 * delays the calls that need the database, never `/healthz`, SSE pings, pokes from other
 * instances or live-session signalling.
 *
 * This thread also runs the jobs (expiry, reminders, mail delivery) and creates the first admin.
 * What it commits goes to the HTTP thread, which announces it to this instance's streams and to
 * the other instances; what other instances commit comes back here for the jobs' listeners.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import { createBeckon, type Beckon } from '../app';
import type { Change, InstanceRelay, RelayedSignal } from '../bus';
import { loadConfig } from '../config';
import { startJobs } from '../jobs';
import { log } from '../log';
import { withRequests } from '../services/poke-data';
import { hubOf } from '../services/signalling';
import { bootstrapAdmin } from '../services/users';
import { isTaskName, TASKS } from '../tasks';
import { answerCall } from '../trpc/node-handler';
import { toWire, type FromThread, type ToThread } from './messages';

/** How often a thread whose database is unavailable tries it again, with no call to try it. */
const PROBE_MS = 1_000;

/** This thread's relay: its changes and signalling go to the HTTP thread. */
class ThreadRelay implements InstanceRelay {
	readonly ready = Promise.resolve();
	/** The thread's Beckon, once made: written rows take their API shape here (link secret). */
	app: Beckon | null = null;
	constructor(private readonly port: MessagePort) {}
	publish(changes: readonly Change[]) {
		// Written rows leave with their API shape, for the HTTP thread's pokes to carry.
		const told = this.app ? withRequests(this.app, changes) : [...changes];
		this.port.postMessage({ type: 'changes', changes: told } satisfies FromThread);
	}
	publishSignal(signal: RelayedSignal) {
		this.port.postMessage({ type: 'signal', signal } satisfies FromThread);
	}
	onSignal() {
		// Signalling streams are served by the HTTP thread: nothing here listens.
		return () => {};
	}
	async close() {}
}

export async function runDatabaseThread(): Promise<void> {
	const port = parentPort;
	if (!port) throw new Error('runDatabaseThread runs in a worker thread');
	const post = (message: FromThread) => port.postMessage(message);

	let app: Beckon;
	let probe: NodeJS.Timeout | null = null;
	const relay = new ThreadRelay(port);
	try {
		app = createBeckon(loadConfig(), {
			relay,
			onAvailability: (available) => {
				post({ type: 'availability', available });
				// While down, try again now and then, so that readiness and calls come back by
				// themselves; a call that gets through clears the state as well.
				if (!available && !probe) {
					probe = setInterval(() => {
						try {
							app.sqlite.prepare('SELECT 1').get();
						} catch {
							// Still down.
						}
					}, PROBE_MS);
				} else if (available && probe) {
					clearInterval(probe);
					probe = null;
				}
			}
		});
		relay.app = app;
		hubOf(app);
		const admin = await bootstrapAdmin(app);
		if (admin) log.info({ email: admin.email }, 'created the admin from BECKON_ADMIN_EMAIL');
	} catch (error) {
		post({
			type: 'failed',
			message: error instanceof Error ? error.message : String(error),
			unavailable: error instanceof Error && error.name === 'DatabaseUnavailableError'
		});
		return;
	}
	const stopJobs = startJobs(app);

	const fail = (id: number, error: unknown) =>
		post({ type: 'result', id, ok: false, error: toWire(error) });
	const late = (id: number) =>
		fail(
			id,
			Object.assign(new Error('PostgreSQL is busy: not started in time'), {
				name: 'DatabaseUnavailableError'
			})
		);

	port.on('message', (message: ToThread) => {
		switch (message.type) {
			case 'task': {
				if (Date.now() > message.deadline) return late(message.id);
				if (!isTaskName(message.name)) return fail(message.id, new Error('unknown task'));
				try {
					const task = TASKS[message.name] as (app: Beckon, ...args: unknown[]) => unknown;
					post({ type: 'result', id: message.id, ok: true, value: task(app, ...message.args) });
				} catch (error) {
					fail(message.id, error);
				}
				return;
			}
			case 'call':
				if (Date.now() > message.deadline) return late(message.id);
				answerCall(app, message.call).then(
					(answer) =>
						port.postMessage({ type: 'answer', id: message.id, answer }, [
							answer.body.buffer as ArrayBuffer
						]),
					(error: unknown) => fail(message.id, error)
				);
				return;
			case 'changes':
				app.bus.deliver(message.changes);
				return;
			case 'stop':
				void (async () => {
					if (probe) clearInterval(probe);
					// Mail delivery finishes the attempt in progress, so its outcome is recorded.
					await stopJobs();
					app.close();
					post({ type: 'stopped' });
				})();
				return;
		}
	});
	post({ type: 'ready' });
}
