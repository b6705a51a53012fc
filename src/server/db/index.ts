/**
 * Opens the database (SQLite in the data folder, or PostgreSQL at DATABASE_URL), applies
 * migrations and hands out the drizzle handle.
 */
import Database from 'better-sqlite3';
import { BetterSQLite3Database, BetterSQLiteSession, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createTableRelationsHelpers, eq, extractTablesRelationalConfig, sql } from 'drizzle-orm';
import { prepareDatabaseFile, restrictDatabaseFiles } from '../data-files';
import { DatabaseUnavailableError, SyncPostgres } from './postgres';
import { PostgresDialect } from './postgres-dialect';
import { migratePostgres } from './postgres-migrate';
import type { SqlConnection } from './connection';
import { prepared } from './prepared';
import * as schema from './schema';
import type { PostgresTimeouts } from '../config';

/**
 * The drizzle handle; `$client` is its database connection, for statements in plain SQL:
 * better-sqlite3's, or on PostgreSQL a `SyncPostgres`, which answers the same calls (see
 * ./connection.ts for what is typed, ./postgres.ts).
 */
export type DB = Omit<BetterSQLite3Database<typeof schema>, '$client'> & { $client: SqlConnection };

export type Dialect = 'sqlite' | 'postgres';

/** The SQLite connection itself, for what only SQLite has (pragmas, backups); refused otherwise. */
export function sqliteOf(connection: SqlConnection): Database.Database {
	if (!(connection instanceof Database)) throw new Error('This needs the SQLite database');
	return connection;
}

/**
 * The PostgreSQL connection itself, for what only it has (a transaction without the write lock,
 * `unlocked`); refused otherwise.
 */
export function postgresOf(connection: SqlConnection): SyncPostgres {
	if (!(connection instanceof SyncPostgres)) throw new Error('This needs the PostgreSQL database');
	return connection;
}

export interface Database_ {
	db: DB;
	sqlite: SqlConnection;
	dialect: Dialect;
	close(): void;
}

/**
 * Where migrations are read from: set by the CLI for built servers, else ./drizzle; the
 * PostgreSQL ones are in its `postgres` folder.
 */
export function migrationsFolder(dialect: Dialect = 'sqlite'): string {
	const root = resolve(process.env.BECKON_MIGRATIONS_DIR ?? 'drizzle');
	return dialect === 'postgres' ? join(root, 'postgres') : root;
}

/** The migrations this build ships, in order (drizzle's journal). */
export function migrationTags(dialect: Dialect): string[] {
	const journal = JSON.parse(
		readFileSync(join(migrationsFolder(dialect), 'meta/_journal.json'), 'utf8')
	) as { entries: { tag: string }[] };
	return journal.entries.map((entry) => entry.tag);
}

export interface DatabaseTarget {
	/** The SQLite file, used unless `url` is set. */
	file: string;
	/** A postgres:// URL (DATABASE_URL). */
	url?: string | null;
}

export interface OpenOptions {
	migrate?: boolean;
	/** PostgreSQL's limits (config.ts); the defaults when not given. */
	timeouts?: PostgresTimeouts;
	/** PostgreSQL: told when the connection goes down and when it is back. */
	onAvailability?: (available: boolean, error: string | null) => void;
}

/** The change counter's row, made once (both databases write an upsert doing nothing alike). */
const SEED_VERSION = `INSERT INTO counters (name, value) VALUES ('version', 0) ON CONFLICT DO NOTHING`;

export function openDatabase(
	target: DatabaseTarget | string,
	options: OpenOptions = {}
): Database_ {
	const { file, url } = typeof target === 'string' ? { file: target, url: null } : target;
	if (url) return openPostgres(url, options);

	if (file !== ':memory:') prepareDatabaseFile(file);
	const sqlite = new Database(file);
	sqlite.pragma('journal_mode = WAL');
	if (file !== ':memory:') restrictDatabaseFiles(file);
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
		// A migration that rebuilds a table (drizzle-kit's copy, drop and rename) must not fire the
		// ON DELETE actions of the tables referring to it, and the pragma is ignored inside the
		// migrations' transaction: keys are off around it and checked after.
		sqlite.pragma('foreign_keys = OFF');
		try {
			migrate(db, { migrationsFolder: migrationsFolder() });
		} finally {
			sqlite.pragma('foreign_keys = ON');
		}
		const broken = sqlite.pragma('foreign_key_check') as unknown[];
		if (broken.length > 0) throw new Error(`Migrations broke ${broken.length} foreign key(s)`);
		sqlite.prepare(SEED_VERSION).run();
	}
	return { db, sqlite, dialect: 'sqlite', close: () => sqlite.close() };
}

function openPostgres(url: string, options: OpenOptions): Database_ {
	const client = new SyncPostgres({
		connectionString: url,
		timeouts: options.timeouts,
		onAvailability: options.onAvailability
	});
	const sqlite: SqlConnection = client;
	const db = drizzlePostgres(client);
	try {
		if (options.migrate !== false) {
			migratePostgres(client, migrationsFolder('postgres'), migrationTags('postgres'));
			client.prepare(SEED_VERSION).run();
		}
	} catch (error) {
		client.close();
		// e.g. a role that may not create tables, or a search_path naming no schema.
		throw new DatabaseUnavailableError(
			`Cannot migrate the PostgreSQL database at DATABASE_URL: ${(error as Error).message}`,
			{ cause: error }
		);
	}
	return { db, sqlite, dialect: 'postgres', close: () => client.close() };
}

/**
 * drizzle's better-sqlite3 driver over `SyncPostgres`, as `drizzle()` builds it but with the
 * dialect that writes PostgreSQL (./postgres-dialect.ts): what drizzle emits is sent as it is.
 * The driver takes the connection by better-sqlite3's type (the one cast left: drizzle-orm types
 * no narrower interface); it calls only what SqlConnection has (prepare, then raw/run/get/all,
 * transaction), which SyncPostgres answers, and `DB` says so.
 */
export function drizzlePostgres(client: SyncPostgres): DB {
	const dialect = new PostgresDialect();
	const tables = extractTablesRelationalConfig(schema, createTableRelationsHelpers);
	const relational = {
		fullSchema: schema,
		schema: tables.tables,
		tableNamesMap: tables.tableNamesMap
	};
	const connection = client as unknown as Database.Database;
	const session = new BetterSQLiteSession(connection, dialect, relational);
	const db = new BetterSQLite3Database('sync', dialect, session, relational);
	return Object.assign(db, { $client: client }) as unknown as DB;
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

/** The change counter's value now: the newest version taken. */
export function currentVersion(db: DB): number {
	const row = db
		.select({ value: schema.counters.value })
		.from(schema.counters)
		.where(eq(schema.counters.name, 'version'))
		.get();
	if (!row) throw new Error('the version counter is missing: migrations did not seed it');
	return row.value;
}

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
