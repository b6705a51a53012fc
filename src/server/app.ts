/**
 * One running Beckon: the database, configuration, clock, secret and change bus that every
 * service receives. Created once at boot (or once per test).
 */
import { ChangeBus } from './bus';
import type { Config } from './config';
import { openDatabase, type DB } from './db';
import type Database from 'better-sqlite3';
import { RateLimiter } from './rate-limit';
import { loadOrCreateSecret } from './secret';

export type Clock = () => number;

export interface Beckon {
	db: DB;
	sqlite: Database.Database;
	config: Config;
	clock: Clock;
	secret: Buffer;
	bus: ChangeBus;
	limits: {
		/** Every public link call, per client address. */
		link: RateLimiter;
		/** Link calls with a token that does not resolve, per client address: enumeration. */
		linkMisses: RateLimiter;
		/** Failed sign-ins, per address and per account. */
		login: RateLimiter;
	};
	close(): void;
}

export function createBeckon(config: Config, options: { clock?: Clock } = {}): Beckon {
	const { db, sqlite, close } = openDatabase(config.databaseFile);
	return {
		db,
		sqlite,
		config,
		clock: options.clock ?? Date.now,
		secret: loadOrCreateSecret(config.dataDir),
		bus: new ChangeBus(),
		limits: {
			link: new RateLimiter(120, 60_000),
			linkMisses: new RateLimiter(20, 10 * 60_000),
			login: new RateLimiter(10, 15 * 60_000)
		},
		close
	};
}

/**
 * Runs `fn` in one immediate SQLite transaction (a savepoint when already inside one, as in a
 * push batch). Changes announced inside reach the bus only once the outermost one has committed.
 */
export function write<T>(app: Beckon, fn: () => T): T {
	const outermost = !app.sqlite.inTransaction;
	try {
		const result = app.db.transaction(() => fn(), { behavior: 'immediate' });
		if (outermost) app.bus.flush();
		return result;
	} catch (error) {
		if (outermost) app.bus.discard();
		throw error;
	}
}
