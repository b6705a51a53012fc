/**
 * One running Beckon: the database, configuration, clock, secret and change bus that every
 * service receives. Created once at boot (or once per test).
 */
import { ChangeBus } from './bus';
import type { Config } from './config';
import { openDatabase, type DB, type Dialect } from './db';
import type Database from 'better-sqlite3';
import { LoginThrottle, RateLimiter } from './rate-limit';
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
	limits: {
		/** Every public link call, per client address. */
		link: RateLimiter;
		/** Link calls with a token that does not resolve, per client address: enumeration. */
		linkMisses: RateLimiter;
		/** Failed sign-ins, per address and per account: slowed, then locked. */
		login: { address: LoginThrottle; account: LoginThrottle };
	};
	close(): void;
}

/**
 * Sign-in failures: free at first, then each one doubles the wait before the next attempt
 * (1 s, 2 s, 4 s … at most 30 s), then a lock of 15 minutes; forgotten 15 minutes after the last.
 */
const LOGIN_THROTTLE = {
	firstDelayMs: 1_000,
	maxDelayMs: 30_000,
	lockMs: 15 * 60_000,
	forgetMs: 15 * 60_000
};

export function createBeckon(config: Config, options: { clock?: Clock } = {}): Beckon {
	const { db, sqlite, dialect, close } = openDatabase({
		file: config.databaseFile,
		url: config.databaseUrl
	});
	return {
		db,
		sqlite,
		dialect,
		config,
		clock: options.clock ?? Date.now,
		secret: loadOrCreateSecret(sqlite, config.dataDir),
		bus: new ChangeBus(),
		limits: {
			link: new RateLimiter(120, 60_000),
			linkMisses: new RateLimiter(20, 10 * 60_000),
			login: {
				// An office behind one address gets more room than a single account.
				address: new LoginThrottle({ ...LOGIN_THROTTLE, free: 10, lockAfter: 30 }),
				account: new LoginThrottle({ ...LOGIN_THROTTLE, free: 5, lockAfter: 10 })
			}
		},
		close
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
