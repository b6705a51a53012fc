/**
 * One running Beckon: the database, configuration, clock, secret and change bus that every
 * service receives. Created once at boot (or once per test).
 */
import { ChangeBus } from './bus';
import { PostgresChangeRelay } from './bus-postgres';
import type { Config } from './config';
import { openDatabase, type DB, type Dialect } from './db';
import type Database from 'better-sqlite3';
import type { SyncPostgres } from './db/postgres';
import { createLimits, type Limits } from './limits';
import { loadOrCreateSecret } from './secret';

export type Clock = () => number;

export interface Beckon {
	db: DB;
	/** The connection for plain SQL: better-sqlite3's, or PostgreSQL's with the same calls. */
	sqlite: Database.Database;
	dialect: Dialect;
	config: Config;
	clock: Clock;
	secret: Buffer;
	bus: ChangeBus;
	/** On PostgreSQL: carries changes between the instances sharing the database. */
	relay: PostgresChangeRelay | null;
	limits: Limits;
	/** Closes the database; on PostgreSQL, the relay's connection is ended in the background. */
	close(): void;
}

export function createBeckon(
	config: Config,
	options: {
		clock?: Clock;
		/** Relay changes to and from other instances (PostgreSQL); off for one-shot commands. */
		relay?: boolean;
	} = {}
): Beckon {
	const { db, sqlite, dialect, close } = openDatabase({
		file: config.databaseFile,
		url: config.databaseUrl
	});
	const secret = loadOrCreateSecret(sqlite, config.dataDir);
	const bus = new ChangeBus();
	const relay =
		config.databaseUrl && options.relay !== false
			? new PostgresChangeRelay(config.databaseUrl, bus)
			: null;
	bus.relayTo(relay);
	return {
		db,
		sqlite,
		dialect,
		config,
		clock: options.clock ?? Date.now,
		secret,
		bus,
		relay,
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
const transactions = new WeakMap<
	Database.Database,
	Database.Transaction<(fn: () => unknown) => unknown>
>();

function transactionOf(sqlite: Database.Database) {
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
	try {
		const result = transactionOf(app.sqlite).immediate(fn) as T;
		if (outermost) app.bus.flush();
		return result;
	} catch (error) {
		if (outermost) app.bus.discard();
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
	const postgres = app.sqlite as unknown as SyncPostgres;
	return postgres.transaction(fn).unlocked();
}
