/**
 * The HTTP thread's side of the database thread (see worker.ts for why there is one): starts it,
 * hands it API calls and tasks, and passes on what it announces — committed changes to this
 * instance's live streams and to the other instances, signalling to the hub, availability to
 * readiness.
 *
 * A call fails fast, never hangs: while PostgreSQL is unavailable every call is answered at once
 * with SERVICE_UNAVAILABLE; a call the thread has not started within the statement timeout is
 * dropped unstarted (so a caller told 503 never sees it applied later); and one with no answer in
 * the time the thread's own timeouts allow at most fails too.
 */
import { Worker } from 'node:worker_threads';
import type { ApiAnswer, ApiCall, DatabaseThreadClient } from '../app';
import type { Change, RelayedSignal } from '../bus';
import type { PostgresTimeouts } from '../config';
import { DatabaseUnavailableError } from '../db/postgres';
import type { Readiness } from '../health';
import { log } from '../log';
import { DATABASE_THREAD, fromWire, type FromThread, type ToThread } from './messages';

interface Pending {
	resolve(value: unknown): void;
	reject(error: Error): void;
	timer: NodeJS.Timeout;
}

export interface DatabaseThreadOptions {
	/** The module to run in the thread: the server's entry, which starts worker.ts there. */
	entry: URL;
	timeouts: PostgresTimeouts;
	/** Changes the thread committed. */
	onChanges(changes: Change[]): void;
	/** Signalling messages sent through the thread (a browser's `*.signal` call). */
	onSignal(signal: RelayedSignal): void;
	/** Whether this instance's other connection (the relay's) is up too. */
	relayConnected(): boolean;
}

export class DatabaseThread implements DatabaseThreadClient {
	readonly #worker: Worker;
	readonly #options: DatabaseThreadOptions;
	readonly #pending = new Map<number, Pending>();
	#nextId = 1;
	#available = true;
	#stopped: Promise<void> | null = null;

	private constructor(worker: Worker, options: DatabaseThreadOptions) {
		this.#worker = worker;
		this.#options = options;
	}

	/** Starts the thread: resolves once it has migrated, set up and started the jobs. */
	static start(options: DatabaseThreadOptions): Promise<DatabaseThread> {
		const worker = new Worker(options.entry, { workerData: { role: DATABASE_THREAD } });
		const thread = new DatabaseThread(worker, options);
		return new Promise((resolve, reject) => {
			const failed = (error: Error) => {
				void worker.terminate();
				reject(error);
			};
			worker.once('error', failed);
			worker.once('exit', (code) => failed(new Error(`the database thread exited (${code})`)));
			worker.on('message', (message: FromThread) => {
				if (message.type === 'ready') {
					worker.removeAllListeners('error');
					worker.removeAllListeners('exit');
					worker.on('error', (error) => thread.#lost(error));
					worker.on('exit', (code) => thread.#lost(new Error(`exited with code ${code}`)));
					resolve(thread);
				} else if (message.type === 'failed') {
					failed(
						message.unavailable
							? new DatabaseUnavailableError(message.message)
							: new Error(message.message)
					);
				} else thread.#receive(message);
			});
		});
	}

	#receive(message: FromThread) {
		switch (message.type) {
			case 'result': {
				const pending = this.#settle(message.id);
				if (!pending) return;
				if (message.ok) pending.resolve(message.value);
				else pending.reject(fromWire(message.error));
				return;
			}
			case 'answer':
				this.#settle(message.id)?.resolve(message.answer);
				return;
			case 'changes':
				this.#options.onChanges(message.changes);
				return;
			case 'signal':
				this.#options.onSignal(message.signal);
				return;
			case 'availability':
				if (this.#available !== message.available) {
					log[message.available ? 'info' : 'warn'](
						message.available ? 'PostgreSQL is available again' : 'PostgreSQL is unavailable'
					);
				}
				this.#available = message.available;
				return;
		}
	}

	#settle(id: number): Pending | undefined {
		const pending = this.#pending.get(id);
		if (!pending) return undefined;
		this.#pending.delete(id);
		clearTimeout(pending.timer);
		return pending;
	}

	/** The thread died (a bug): every call waiting on it fails, and readiness says so. */
	#lost(error: Error) {
		if (this.#stopped) return;
		log.error({ err: error }, 'the database thread stopped');
		this.#available = false;
		for (const id of [...this.#pending.keys()]) {
			this.#settle(id)?.reject(new DatabaseUnavailableError('The database thread stopped'));
		}
	}

	#send(message: (id: number, deadline: number) => ToThread): Promise<unknown> {
		if (this.#stopped) {
			return Promise.reject(new DatabaseUnavailableError('The server is shutting down'));
		}
		if (!this.#available) {
			return Promise.reject(new DatabaseUnavailableError('PostgreSQL is unavailable'));
		}
		const { connectMs, lockMs, statementMs } = this.#options.timeouts;
		const id = this.#nextId++;
		// Not started by then: dropped unstarted. Started: the thread's own timeouts end it.
		const deadline = Date.now() + statementMs;
		return new Promise((resolve, reject) => {
			const timer = setTimeout(
				() => {
					if (this.#settle(id)) {
						reject(new DatabaseUnavailableError('PostgreSQL did not answer in time'));
					}
				},
				statementMs + connectMs + lockMs + statementMs
			);
			this.#pending.set(id, { resolve, reject, timer });
			this.#worker.postMessage(message(id, deadline));
		});
	}

	run(name: string, args: unknown[]): Promise<unknown> {
		return this.#send((id, deadline) => ({ type: 'task', id, name, args, deadline }));
	}

	answer(call: ApiCall): Promise<ApiAnswer> {
		return this.#send((id, deadline) => ({
			type: 'call',
			id,
			call,
			deadline
		})) as Promise<ApiAnswer>;
	}

	/** Other instances' changes, for the thread's own listeners (mail delivery). */
	deliver(changes: readonly Change[]) {
		if (!this.#stopped) this.#worker.postMessage({ type: 'changes', changes: [...changes] });
	}

	/**
	 * Ready while both of this instance's connections to PostgreSQL work: the database thread's
	 * (as last seen by a call, or by its retries while down) and the relay's. Migrations were
	 * applied before the thread reported ready. No database error text is given out.
	 */
	readiness(): Readiness {
		const database = this.#stopped
			? 'stopped'
			: !this.#available
				? 'unavailable'
				: this.#options.relayConnected()
					? 'ok'
					: 'not listening for changes';
		return {
			ready: database === 'ok',
			checks: { database, migrations: database === 'ok' ? 'ok' : 'unknown' }
		};
	}

	/** Stops the jobs (the mail attempt in progress is finished), closes the database, ends the thread. */
	stop(): Promise<void> {
		this.#stopped ??= new Promise<void>((resolve) => {
			const done = () => {
				clearTimeout(timer);
				void this.#worker.terminate().then(() => resolve());
			};
			const timer = setTimeout(done, 30_000);
			this.#worker.on('message', (message: FromThread) => {
				if (message.type === 'stopped') done();
			});
			this.#worker.once('exit', done);
			this.#worker.postMessage({ type: 'stop' } satisfies ToThread);
		});
		return this.#stopped;
	}
}
