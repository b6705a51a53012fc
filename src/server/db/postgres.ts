/**
 * PostgreSQL behind the same synchronous database interface the services use on SQLite.
 *
 * Beckon's services are written as synchronous transactions on better-sqlite3: a push runs its
 * mutations with savepoints, the sweeps write batches, and nothing else runs on the event loop
 * meanwhile. `SyncPostgres` keeps that model on PostgreSQL instead of rewriting every service:
 * a worker thread holds one `pg` connection, and each statement is posted to it while this
 * thread waits (`Atomics.wait`) for the answer, as SQLite's own I/O waits inside a call. So the
 * same drizzle schema, queries and services run on both databases, and an instance still runs
 * one transaction at a time, which is SQLite's single-writer model.
 *
 * Across instances every write transaction takes one PostgreSQL advisory lock first (what
 * `BEGIN IMMEDIATE` is on SQLite): write transactions commit one at a time in the order they
 * take versions, so a device that pulled up to version N never misses a change numbered below
 * N that committed later; and the services' check-then-write steps hold as they do on SQLite.
 * Reads (pulls, lists) run in parallel, each transaction on its own snapshot.
 *
 * What it implements is the part of better-sqlite3's interface that drizzle's better-sqlite3
 * driver and the services use: prepare → run/get/all/raw/pluck, exec, transaction (nested ones
 * as savepoints), inTransaction, close.
 *
 * It takes PostgreSQL's SQL and sends it as it is: drizzle writes it (./postgres-dialect.ts),
 * and so do the statements in plain SQL (./plain-sql.ts). Parameters are `$1 … $n`, bound from
 * the values passed, in order. A statement with SQLite's marks or forms (`?`, backquotes,
 * `PRAGMA`, `VACUUM`, `INSERT OR …`) is refused by name, never rewritten nor sent to fail in a
 * confusing way (`sqliteOnly`).
 */
import { createRequire } from 'node:module';
import {
	MessageChannel,
	receiveMessageOnPort,
	Worker,
	type MessagePort
} from 'node:worker_threads';
import { DEFAULT_POSTGRES_TIMEOUTS, type PostgresTimeouts } from '../config';
import type {
	ArgumentTypes,
	SqlConnection,
	SqlTransaction,
	TransactionFunction
} from './connection';

/** The lock every write transaction takes: one writer at a time across all instances. */
export const WRITE_LOCK_KEY = 7_346_251_902;

/** After a connection failure, calls fail at once for this long, then one tries again. */
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;

interface Reply {
	ok: boolean;
	rows?: unknown[];
	rowCount?: number | null;
	error?: {
		message: string;
		code?: string;
		detail?: string;
		constraint?: string;
		/** The connection failed (or could not be made), not the statement. */
		connection?: boolean;
		/** No connection could be made, or nothing came back in time: PostgreSQL is unreachable. */
		connecting?: boolean;
	};
}

// The worker: one pg connection, statements one at a time, each answer posted back and this
// thread woken. bigint (int8) and numeric come back as numbers, as SQLite's integers do (every
// value Beckon stores fits in 2^53). A connection that breaks (PostgreSQL restarted, a network
// cut) is replaced at the next statement that starts outside a transaction (retried once when it
// is a BEGIN or a read, which the dead connection cannot have run); one inside a transaction
// fails instead, since the transaction died with the connection.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { port, signal, connection, pgPath } = workerData;
const flag = new Int32Array(signal);
let pg = null;
let setupError = null;
try {
	pg = require(pgPath);
} catch (error) {
	setupError = error;
}
const types = { getTypeParser: (oid, format) =>
	oid === 20 || oid === 1700 ? (value) => (value === null ? null : Number(value))
	: pg.types.getTypeParser(oid, format) };
let client = null;
let ready = null;
let broken = null;
// Each distinct statement is parsed once per connection, then only bound and run.
let names = new Map();
const nameOf = (text) => {
	let name = names.get(text);
	if (name === undefined) {
		name = 'beckon_' + names.size;
		names.set(text, name);
	}
	return name;
};
function connect() {
	const current = new pg.Client({ ...connection, types });
	current.on('error', (error) => { if (client === current) broken = error; });
	current.on('end', () => { if (client === current && !broken) broken = new Error('the connection ended'); });
	client = current;
	broken = null;
	names = new Map();
	// A failed attempt is forgotten: the next statement tries again.
	ready = current.connect().catch((error) => {
		if (client === current) client = null;
		// Could not connect at all: PostgreSQL is unavailable (not just this connection lost).
		if (error && typeof error === 'object') error.connecting = true;
		throw error;
	});
	return ready;
}
// A failure of the connection rather than of the statement: no SQLSTATE, a socket error, or the
// server ending the session (57P01 admin shutdown, 57P02 crash shutdown, 57P03 starting up).
const connectionLost = (error) =>
	!error || !error.code || /^E[A-Z]+$/.test(error.code) || /^57P0[123]$/.test(error.code);
// Set when the connection broke inside a transaction: every later statement of that transaction
// fails too (a new connection would run them outside it), until the next one starts.
let lostInTransaction = null;
port.on('message', async (message) => {
	let reply;
	try {
		if (setupError) throw setupError;
		if (message.op === 'close') {
			// A connection the server already dropped may never finish ending: wait a moment only.
			if (client) await Promise.race([client.end(), new Promise((resolve) => setTimeout(resolve, 1000))]);
			reply = { ok: true };
		} else {
			if (!message.inTransaction) lostInTransaction = null;
			if (lostInTransaction) throw lostInTransaction;
			if (!client) await connect();
			else await ready;
			if (broken) {
				const lost = broken;
				void client.end().catch(() => {});
				client = null;
				if (message.inTransaction) {
					lostInTransaction = new Error(
						'The connection to PostgreSQL was lost during the transaction: ' + lost.message);
					throw lostInTransaction;
				}
				await connect();
			}
			const run = () => client.query({
				name: message.prepared ? nameOf(message.text) : undefined,
				text: message.text,
				values: message.values,
				rowMode: message.raw ? 'array' : undefined
			});
			let result;
			try {
				result = await run();
			} catch (error) {
				// No answer within the client's own timeout (a stalled network): the connection is
				// in an unknown state, so it is dropped; the next statement opens a new one.
				if (/timeout/i.test(String(error && error.message)) && !(error && error.code)) {
					const stalled = client;
					client = null;
					stalled.connection && stalled.connection.stream && stalled.connection.stream.destroy();
					void stalled.end().catch(() => {});
					if (message.inTransaction) lostInTransaction = error;
					// Nothing came back at all: as unreachable as a refused connection.
					error.connecting = true;
					throw error;
				}
				// The connection was found dead only now (PostgreSQL restarted since the last
				// statement): a transaction's BEGIN or a read outside any transaction changed
				// nothing, so it is sent once more on a new connection. Anything else fails.
				if (!connectionLost(error) || message.inTransaction || !/^\\s*(BEGIN|SELECT)\\b/i.test(message.text)) throw error;
				void client.end().catch(() => {});
				client = null;
				await connect();
				result = await run();
			}
			const last = Array.isArray(result) ? result[result.length - 1] : result;
			reply = { ok: true, rows: last.rows, rowCount: last.rowCount };
		}
	} catch (error) {
		reply = { ok: false, error: { message: String(error && error.message || error),
			code: error && error.code, detail: error && error.detail, constraint: error && error.constraint,
			connection: connectionLost(error), connecting: Boolean(error && error.connecting) } };
	}
	port.postMessage(reply);
	Atomics.store(flag, 0, 1);
	Atomics.notify(flag, 0);
});
`;

/**
 * The database at DATABASE_URL cannot be used (unreachable, refused, wrong password, no answer
 * in time). Calls fail with it at once while the connection is down; API callers get
 * SERVICE_UNAVAILABLE and try again later.
 */
export class DatabaseUnavailableError extends Error {
	constructor(message: string, options?: { cause: unknown }) {
		super(message, options);
		this.name = 'DatabaseUnavailableError';
	}
}

/** A PostgreSQL error with its SQLSTATE (`code`), e.g. 23505 for a unique violation. */
export class PostgresError extends Error {
	constructor(
		message: string,
		readonly code: string | undefined,
		readonly detail?: string,
		readonly constraint?: string
	) {
		super(message);
		this.name = 'PostgresError';
	}
}

export interface RunResult {
	changes: number;
	lastInsertRowid: number;
}

type Params = unknown[];

/** A prepared statement, as better-sqlite3's `Statement` works for the calls Beckon makes. */
export class SyncStatement {
	#raw = false;
	#pluck = false;

	constructor(
		private readonly db: SyncPostgres,
		private readonly text: string
	) {}

	/** Rows as arrays of column values (drizzle maps them to its fields by position). */
	raw(toggle = true): this {
		this.#raw = toggle;
		if (toggle) this.#pluck = false;
		return this;
	}

	/** Rows as their first column's value alone. */
	pluck(toggle = true): this {
		this.#pluck = toggle;
		if (toggle) this.#raw = false;
		return this;
	}

	run(...params: Params): RunResult {
		const reply = this.db.query(this.text, params, false);
		return { changes: reply.rowCount ?? 0, lastInsertRowid: 0 };
	}

	get(...params: Params): unknown {
		return this.all(...params)[0];
	}

	all(...params: Params): unknown[] {
		const rows = this.db.query(this.text, params, this.#raw || this.#pluck).rows ?? [];
		return this.#pluck ? rows.map((row) => (row as unknown[])[0]) : rows;
	}
}

export interface SyncTransaction<F extends TransactionFunction> extends SqlTransaction<F> {
	/**
	 * A write transaction without the write lock (PostgreSQL only), for claiming work with row
	 * locks (`FOR UPDATE SKIP LOCKED`): it must take no version and touch no request.
	 */
	unlocked(...params: ArgumentTypes<F>): ReturnType<F>;
}

export interface ConnectionOptions {
	/** postgres://user:password@host:port/database; `?options=-c search_path=…` picks a schema. */
	connectionString: string;
	application_name?: string;
	/** Connect, statement, lock, keepalive and idle-in-transaction limits (config.ts). */
	timeouts?: PostgresTimeouts;
	/** Told when the connection goes down (a call failed for it) and when it is back. */
	onAvailability?: (available: boolean, error: string | null) => void;
}

export class SyncPostgres implements SqlConnection {
	#worker!: Worker;
	#port!: MessagePort;
	#flag!: Int32Array;
	readonly #connection: Record<string, unknown>;
	readonly #timeouts: PostgresTimeouts;
	readonly #onAvailability: ConnectionOptions['onAvailability'];
	#depth = 0;
	#closed = false;
	/** While the connection is down: calls fail at once until then, then one tries again. */
	#down: { until: number; retryMs: number; error: string } | null = null;

	constructor(options: ConnectionOptions) {
		const timeouts = (this.#timeouts = options.timeouts ?? DEFAULT_POSTGRES_TIMEOUTS);
		this.#onAvailability = options.onAvailability;
		this.#connection = {
			connectionString: options.connectionString,
			application_name: options.application_name ?? 'beckon',
			connectionTimeoutMillis: timeouts.connectMs,
			keepAlive: true,
			keepAliveInitialDelayMillis: timeouts.keepAliveMs,
			// PostgreSQL ends a statement, a lock wait (the write lock's too) and a transaction left
			// idle (a stalled instance would otherwise keep the write lock) after these…
			statement_timeout: timeouts.statementMs,
			lock_timeout: timeouts.lockMs,
			idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
			// …and the client stops waiting a little later, for when the network itself stalls.
			query_timeout: timeouts.statementMs + 2_000
		};
		this.#spawn();
		try {
			this.query('SELECT 1', [], false);
		} catch (error) {
			this.#stop();
			throw new DatabaseUnavailableError(
				`Cannot use the PostgreSQL database at DATABASE_URL: ${(error as Error).message}`,
				{ cause: error }
			);
		}
	}

	/** Starts the thread that holds the connection (again, after one stopped answering). */
	#spawn() {
		const { port1, port2 } = new MessageChannel();
		const signal = new SharedArrayBuffer(4);
		this.#flag = new Int32Array(signal);
		this.#port = port1;
		this.#worker = new Worker(WORKER_SOURCE, {
			eval: true,
			workerData: {
				port: port2,
				signal,
				connection: this.#connection,
				pgPath: createRequire(import.meta.url).resolve('pg')
			},
			transferList: [port2]
		});
		// Idle, the worker must not keep the process alive; its errors surface in query().
		this.#worker.unref();
		this.#worker.on('error', () => {});
	}

	/** Whether the last call reached PostgreSQL (false from a connection failure until one does). */
	get available(): boolean {
		return this.#down === null;
	}

	#markDown(error: string) {
		const retryMs = this.#down ? Math.min(this.#down.retryMs * 2, RETRY_MAX_MS) : RETRY_MIN_MS;
		const wasUp = this.#down === null;
		this.#down = { until: Date.now() + retryMs, retryMs, error };
		if (wasUp) this.#onAvailability?.(false, error);
	}

	#markUp() {
		if (this.#down === null) return;
		this.#down = null;
		this.#onAvailability?.(true, null);
	}

	get inTransaction(): boolean {
		return this.#depth > 0;
	}

	/** better-sqlite3's pragma(): SQLite's alone, so a call reaching PostgreSQL is a bug. */
	pragma(source: string): never {
		throw new Error(`PRAGMA ${source} is SQLite's: not available on PostgreSQL`);
	}

	/** One statement in PostgreSQL's SQL, parameters `$1 … $n`; SQLite's forms are refused. */
	prepare(sql: string): SyncStatement {
		const sqlite = sqliteOnly(sql);
		if (sqlite) throw new Error(`SQLite's SQL (${sqlite}) sent to PostgreSQL: ${sql.trim()}`);
		return new SyncStatement(this, sql);
	}

	/** Runs SQL text as is (PostgreSQL's own, e.g. a migration), several statements allowed. */
	exec(sql: string): this {
		this.query(sql, [], false, false);
		return this;
	}

	/** Sends one statement (prepared once per connection, if `prepared`) and waits for its answer. */
	query(text: string, params: Params, raw: boolean, prepared = true): Reply {
		if (this.#closed) throw new TypeError('The database connection is not open');
		// Down: fail at once (a connect attempt per call would hold every caller for the connect
		// timeout), except one call per retry interval, which tries the connection again. Inside a
		// transaction the statement goes through: it fails on its own and rolls the rest back.
		if (this.#down && this.#depth === 0 && Date.now() < this.#down.until) {
			throw new DatabaseUnavailableError(`PostgreSQL is unavailable: ${this.#down.error}`);
		}
		const values = bindValues(params);
		Atomics.store(this.#flag, 0, 0);
		this.#port.postMessage({
			op: 'query',
			text,
			values,
			raw,
			prepared,
			inTransaction: this.#depth > 0
		});
		// Far past every limit the worker's connection enforces itself (connect, lock, statement and
		// the client's own wait): only a thread that stopped answering at all meets this one.
		const { statementMs, connectMs, lockMs } = this.#timeouts;
		const reply = this.#await(connectMs + lockMs + statementMs + 30_000);
		if (!reply.ok) {
			const e = reply.error!;
			if (e.connecting) {
				this.#markDown(e.message);
				throw new DatabaseUnavailableError(`PostgreSQL is unavailable: ${e.message}`);
			}
			// A connection lost (the next statement opens a new one), or the statement failed.
			this.#markUp();
			if (e.connection) throw new DatabaseUnavailableError(e.message);
			throw new PostgresError(e.message, e.code, e.detail, e.constraint);
		}
		this.#markUp();
		if (reply.rows) reply.rows = reply.rows.map(fromWorker);
		return reply;
	}

	#await(timeoutMs: number): Reply {
		// The worker answers within its own timeouts (connect, statement, the client's wait), so
		// this is a last resort: the call fails, and the thread with its connection is replaced.
		// A wake with nothing to read is not the answer: CI runs saw this thread woken, or the flag
		// found set, before the reply could be read, and the call failed as "no answer in time"
		// within seconds. So it reads until the reply is there, and only the deadline ends the wait.
		const deadline = performance.now() + timeoutMs;
		for (let left = timeoutMs; left > 0; left = deadline - performance.now()) {
			Atomics.wait(this.#flag, 0, 0, left);
			const message = receiveMessageOnPort(this.#port);
			if (message) return message.message as Reply;
			// The flag says answered but the reply is not readable yet: look again in a moment.
			if (Atomics.load(this.#flag, 0) === 1) Atomics.wait(this.#flag, 0, 1, 1);
		}
		this.#port.close();
		void this.#worker.terminate();
		if (!this.#closed) this.#spawn();
		this.#markDown('no answer in time');
		throw new DatabaseUnavailableError('PostgreSQL did not answer in time');
	}

	/**
	 * better-sqlite3's `db.transaction(fn)`: the returned function runs `fn` in a transaction, or
	 * in a savepoint when one is already open, and commits (releases) or rolls back.
	 */
	transaction<F extends TransactionFunction>(fn: F): SyncTransaction<F> {
		const begin = {
			write: `BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY})`,
			read: 'BEGIN ISOLATION LEVEL REPEATABLE READ',
			unlocked: 'BEGIN'
		};
		const run = (mode: keyof typeof begin, args: ArgumentTypes<F>): ReturnType<F> => {
			const outermost = this.#depth === 0;
			const savepoint = `beckon_sp_${this.#depth}`;
			try {
				this.exec(outermost ? begin[mode] : `SAVEPOINT ${savepoint}`);
			} catch (error) {
				// BEGIN ran but the lock did not come (a timeout): leave no transaction open.
				if (outermost && !this.#closed) this.exec('ROLLBACK');
				throw error;
			}
			this.#depth += 1;
			let result: ReturnType<F>;
			try {
				result = fn(...args) as ReturnType<F>;
				if (result instanceof Promise) {
					throw new TypeError('Transaction function cannot return a promise');
				}
				// Sent as part of the transaction: should the connection have broken, the COMMIT
				// fails rather than reaching a new connection that has no transaction to commit.
				this.exec(outermost ? 'COMMIT' : `RELEASE SAVEPOINT ${savepoint}`);
			} catch (error) {
				if (!this.#closed) {
					try {
						this.exec(
							outermost
								? 'ROLLBACK'
								: `ROLLBACK TO SAVEPOINT ${savepoint}; RELEASE SAVEPOINT ${savepoint}`
						);
					} catch {
						// The transaction went with the connection: nothing is left to roll back.
					}
				}
				throw error;
			} finally {
				this.#depth -= 1;
			}
			return result;
		};
		const transaction = ((...args: ArgumentTypes<F>) => run('read', args)) as SyncTransaction<F>;
		transaction.deferred = (...args) => run('read', args);
		transaction.immediate = (...args) => run('write', args);
		transaction.exclusive = (...args) => run('write', args);
		transaction.unlocked = (...args) => run('unlocked', args);
		return transaction;
	}

	close(): void {
		if (this.#closed) return;
		try {
			Atomics.store(this.#flag, 0, 0);
			this.#port.postMessage({ op: 'close' });
			this.#closed = true;
			this.#await(2_000);
		} catch {
			// Closing a connection that is already gone.
		}
		this.#stop();
	}

	#stop() {
		this.#closed = true;
		this.#port.close();
		void this.#worker.terminate();
	}
}

/**
 * What in `sql` is SQLite's and not PostgreSQL's, named, or null: a `?` parameter or a
 * backquoted name outside quotes, a `PRAGMA`, a `VACUUM`, an `INSERT OR …`.
 */
export function sqliteOnly(sql: string): string | null {
	const unquoted = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"/g, "''");
	if (unquoted.includes('?')) return 'a ? parameter';
	if (unquoted.includes('`')) return 'a backquoted name';
	const form = /^\s*(pragma|vacuum)\b|\binsert\s+or\s+\w+/i.exec(unquoted);
	return form ? form[0].trim().replace(/\s+/g, ' ').toUpperCase() : null;
}

/** Positional values, `$1 … $n` (arrays flattened, as better-sqlite3 does); never one by name. */
function bindValues(params: Params): unknown[] {
	return params.flat().map((value) => {
		if (value !== null && typeof value === 'object' && value.constructor === Object) {
			throw new TypeError('Parameters on PostgreSQL are bound in order ($1 … $n), not by name');
		}
		return toDriver(value);
	});
}

function toDriver(value: unknown): unknown {
	if (value === undefined) return null;
	if (typeof value === 'bigint') return value.toString();
	return value;
}

/** Rows come back through structured cloning, which turns Buffers into plain Uint8Arrays. */
function fromWorker(row: unknown): unknown {
	if (Array.isArray(row)) return row.map(fromWorkerValue);
	if (row && typeof row === 'object') {
		const out: Record<string, unknown> = {};
		for (const [key, value] of Object.entries(row)) out[key] = fromWorkerValue(value);
		return out;
	}
	return row;
}

function fromWorkerValue(value: unknown): unknown {
	return value instanceof Uint8Array && !Buffer.isBuffer(value)
		? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
		: value;
}
