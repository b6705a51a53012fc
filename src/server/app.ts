/**
 * One running Beckon: the database, configuration, clock, secret and change bus that every
 * service receives. Created once at boot (or once per test).
 */
import { ChangeBus, type InstanceRelay } from './bus';
import { PostgresChangeRelay } from './bus-postgres';
import type { Config } from './config';
import { currentVersion, openDatabase, postgresOf, type DB, type Dialect } from './db';
import type { SqlConnection, SqlTransaction } from './db/connection';
import type { Readiness } from './health';
import { createLimits, type Limits } from './limits';
import { loadOrCreateVapidKeys, type VapidKeys } from './push/vapid';
import { loadOrCreateSecret } from './secret';

export type Clock = () => number;

/** An API call, as the HTTP thread hands it to the database thread (db-thread/). */
export interface ApiCall {
	requestId: string;
	/** The procedure path, e.g. `requests.create` or `a,b` for a batch. */
	path: string;
	method: string;
	/** The request target: path and query. */
	url: string;
	headers: [string, string][];
	/** The body as text; null for none; `tooLarge` when it exceeded the limit (not read). */
	body: string | null;
	tooLarge: boolean;
	clientAddress: string;
	/** The origin the request was made to (proxy settings applied). */
	ownOrigin: string;
}

/** The answer to an ApiCall: a whole JSON document (streams are served by the HTTP thread). */
export interface ApiAnswer {
	status: number;
	headers: [string, string][];
	body: Uint8Array;
}

/** The HTTP thread's handle on the database thread (db-thread/host.ts). */
export interface DatabaseThreadClient {
	/** Runs a named task (tasks.ts) there. */
	run(name: string, args: unknown[]): Promise<unknown>;
	/** Answers an API call there. */
	answer(call: ApiCall): Promise<ApiAnswer>;
	readiness(): Readiness;
}

export interface Beckon {
	db: DB;
	/** The connection for plain SQL: better-sqlite3's, or PostgreSQL's with the same calls. */
	sqlite: SqlConnection;
	dialect: Dialect;
	config: Config;
	clock: Clock;
	secret: Buffer;
	/** The key pair that signs Web Push requests (push/vapid.ts). */
	vapid: VapidKeys;
	bus: ChangeBus;
	/**
	 * On PostgreSQL: carries changes and signalling between the instances sharing the database
	 * (on the database thread: to the HTTP thread of its own instance).
	 */
	relay: InstanceRelay | null;
	/**
	 * Set on the HTTP thread of a server on PostgreSQL: the database and the services run on the
	 * database thread (db-thread/), reached through this; `db`, `sqlite`, `secret` and `limits`
	 * are not here. Null where the database is in this thread (SQLite, commands, tests).
	 */
	thread: DatabaseThreadClient | null;
	limits: Limits;
	/** Closes the database; on PostgreSQL, the relay's connection is ended in the background. */
	close(): void;
}

export function createBeckon(
	config: Config,
	options: {
		clock?: Clock;
		/**
		 * Relay changes to and from other instances (PostgreSQL); off for one-shot commands. The
		 * database thread gives its own relay, to the HTTP thread.
		 */
		relay?: boolean | InstanceRelay;
		/** Told when PostgreSQL becomes unavailable and available again. */
		onAvailability?: (available: boolean, error: string | null) => void;
	} = {}
): Beckon {
	const { db, sqlite, dialect, close } = openDatabase(
		{ file: config.databaseFile, url: config.databaseUrl },
		{ timeouts: config.postgres, onAvailability: options.onAvailability }
	);
	const secret = loadOrCreateSecret(sqlite, config.dataDir);
	const vapid = loadOrCreateVapidKeys(sqlite);
	const bus = new ChangeBus();
	const relay =
		typeof options.relay === 'object'
			? options.relay
			: config.databaseUrl && options.relay !== false
				? new PostgresChangeRelay(config.databaseUrl, bus, {
						connectMs: config.postgres.connectMs,
						keepAliveMs: config.postgres.keepAliveMs
					})
				: null;
	bus.relayTo(relay);
	// Every version so far is committed: pokes may carry rows from the first commit on. Another
	// instance's commit (PostgreSQL) or process's (a command) shows as a gap (bus.ts, Coverage).
	bus.coverFrom(currentVersion(db));
	return {
		db,
		sqlite,
		dialect,
		config,
		clock: options.clock ?? Date.now,
		secret,
		vapid,
		bus,
		relay,
		thread: null,
		limits: createLimits(db),
		close() {
			void relay?.close();
			close();
		}
	};
}

// One better-sqlite3 transaction function per database, made once: it opens a transaction, or a
// savepoint when one is open. (drizzle's db.transaction() builds a new one, and a transaction
// object that write() never uses, on every call.)
const transactions = new WeakMap<SqlConnection, SqlTransaction<(fn: () => unknown) => unknown>>();

function transactionOf(sqlite: SqlConnection) {
	let transaction = transactions.get(sqlite);
	if (!transaction) {
		transaction = sqlite.transaction((fn: () => unknown) => fn());
		transactions.set(sqlite, transaction);
	}
	return transaction;
}

/**
 * Runs `fn` in one immediate SQLite transaction (a savepoint when already inside one, as in a
 * push batch). Changes announced inside reach the bus only once the outermost one has committed.
 */
export function write<T>(app: Beckon, fn: () => T): T {
	const outermost = !app.sqlite.inTransaction;
	const mark = app.bus.heldCount();
	try {
		const result = transactionOf(app.sqlite).immediate(fn) as T;
		if (outermost) app.bus.flush();
		return result;
	} catch (error) {
		// A savepoint rolled back: what it announced never happened (a poke carries rows now).
		if (outermost) app.bus.discard();
		else app.bus.discardSince(mark);
		throw error;
	}
}

/**
 * Runs `fn`, which claims work by locking rows (`FOR UPDATE SKIP LOCKED`), in a transaction of
 * its own. On PostgreSQL it does not take the write lock, so instances claim different rows at
 * the same time instead of queueing; `fn` must therefore take no version and announce nothing.
 * On SQLite, where one writer is all there is, it is a write transaction like any other.
 */
export function claim<T>(app: Beckon, fn: () => T): T {
	if (app.dialect === 'sqlite') return write(app, fn);
	return postgresOf(app.sqlite).transaction(fn).unlocked();
}
