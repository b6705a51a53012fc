/** Opens the SQLite database, applies migrations and hands out the drizzle handle. */
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { prepared } from './prepared';
import * as schema from './schema';

/** The drizzle handle; `$client` is its better-sqlite3 database, for statements in plain SQL. */
export type DB = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export interface Database_ {
	db: DB;
	sqlite: Database.Database;
	close(): void;
}

/** Where migrations are read from: set by the CLI for built servers, else ./drizzle. */
export function migrationsFolder(): string {
	return resolve(process.env.BECKON_MIGRATIONS_DIR ?? 'drizzle');
}

export function openDatabase(file: string, options: { migrate?: boolean } = {}): Database_ {
	if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
	const sqlite = new Database(file);
	sqlite.pragma('journal_mode = WAL');
	sqlite.pragma('foreign_keys = ON');
	// With WAL, NORMAL is durable across application crashes; only a power loss may lose the
	// last transactions, never corrupt the file.
	sqlite.pragma('synchronous = NORMAL');
	sqlite.pragma('busy_timeout = 5000');
	// Statement and savepoint journals (what a failed statement or a rolled-back savepoint is
	// undone from; never read after a crash) in memory rather than in a temporary file: one over
	// 64 KiB, as a push of a hundred creates makes, was otherwise written out to a new file per
	// push (an open, ≈ 50 writes and an unlink). Every large query here sorts by an index, and
	// VACUUM INTO writes its own file, so nothing else kept in memory is large.
	sqlite.pragma('temp_store = MEMORY');
	const db = drizzle(sqlite, { schema });
	if (options.migrate !== false) {
		migrate(db, { migrationsFolder: migrationsFolder() });
		sqlite.prepare(`INSERT OR IGNORE INTO counters (name, value) VALUES ('version', 0)`).run();
	}
	return { db, sqlite, close: () => sqlite.close() };
}

const takeVersion = prepared((db: DB) =>
	db
		.update(schema.counters)
		.set({ value: sql`${schema.counters.value} + 1` })
		.where(eq(schema.counters.name, 'version'))
		.returning({ value: schema.counters.value })
		.prepare()
);

/** Takes the next value of the server-wide change counter (inside the caller's transaction). */
export function nextVersion(db: DB): number {
	const row = takeVersion(db).get();
	if (!row) throw new Error('the version counter is missing: migrations did not seed it');
	return row.value;
}

const takeVersionRange = prepared((db: DB) =>
	db
		.update(schema.counters)
		.set({ value: sql`${schema.counters.value} + ${sql.placeholder('count')}` })
		.where(eq(schema.counters.name, 'version'))
		.returning({ value: schema.counters.value })
		.prepare()
);

/**
 * Takes `count` consecutive values of the change counter at once (inside the caller's
 * transaction), for writes of many rows: returns the first. The same values, one by one, as
 * `count` calls of nextVersion.
 */
export function takeVersions(db: DB, count: number): number {
	const row = takeVersionRange(db).get({ count });
	if (!row) throw new Error('the version counter is missing: migrations did not seed it');
	return row.value - count + 1;
}
