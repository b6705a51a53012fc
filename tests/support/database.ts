/**
 * Which database the tests' servers use. SQLite in a temporary folder by default; with
 * BECKON_TEST_DATABASE_URL set (`npm test` sets it when a PostgreSQL is available), each app
 * gets a schema of its own in that PostgreSQL database, so tests stay as isolated as with a
 * file each. The schemas go with the database, which `npm test` makes anew for every run.
 */
import { randomBytes } from 'node:crypto';
import { createBeckon, type Beckon, type Clock } from '../../src/server/app';
import { loadConfig } from '../../src/server/config';
import { openDatabase } from '../../src/server/db';
import { SyncPostgres } from '../../src/server/db/postgres';

export const TEST_DATABASE_URL = process.env.BECKON_TEST_DATABASE_URL || null;

let admin: SyncPostgres | null = null;

/** A new, empty schema in the test database; returns its name. */
export function freshSchema(): string {
	if (!TEST_DATABASE_URL) throw new Error('BECKON_TEST_DATABASE_URL is not set');
	admin ??= new SyncPostgres({ connectionString: TEST_DATABASE_URL });
	const name = `t_${randomBytes(6).toString('hex')}`;
	admin.exec(`CREATE SCHEMA ${name}`);
	return name;
}

/** The URL of `schema` in the test database. */
export function schemaUrl(schema: string): string {
	const url = new URL(TEST_DATABASE_URL as string);
	url.searchParams.set('options', `-c search_path=${schema}`);
	return url.toString();
}

const schemaOfDataDir = new Map<string, string>();

/**
 * Environment for loadConfig: a PostgreSQL schema of its own, or nothing (SQLite in the data
 * folder). A server started again on the same data folder (a restart) gets the same schema.
 */
export function testDatabaseEnv(dataDir: string): Record<string, string> {
	if (!TEST_DATABASE_URL) return {};
	let schema = schemaOfDataDir.get(dataDir);
	if (!schema) {
		schema = freshSchema();
		schemaOfDataDir.set(dataDir, schema);
	}
	return { DATABASE_URL: schemaUrl(schema) };
}

/** Every table, parents before children, for copying a schema's rows. */
const TABLES = [
	'users',
	'queues',
	'queue_members',
	'api_tokens',
	'sessions',
	'settings',
	'server_keys',
	'view_epochs',
	'session_requests',
	'request_events',
	'mail_outbox',
	'notification_settings',
	'push_subscriptions',
	'push_outbox',
	'webhook_endpoints',
	'webhook_deliveries',
	'sync_clients',
	'sync_mutations',
	'counters'
];

/**
 * Makes `toDataDir`'s database a copy of `fromDataDir`'s, as copying a SQLite data folder does
 * (call it after copying the folder): on PostgreSQL, a new schema, migrated, with every row.
 */
export function cloneTestDatabase(fromDataDir: string, toDataDir: string) {
	const from = schemaOfDataDir.get(fromDataDir);
	if (!TEST_DATABASE_URL || !from) return;
	const to = freshSchema();
	openDatabase({ file: '', url: schemaUrl(to) }).close();
	admin!.transaction(() => {
		admin!.exec(`DELETE FROM ${to}.counters`);
		for (const table of TABLES) {
			admin!.exec(`INSERT INTO ${to}.${table} SELECT * FROM ${from}.${table}`);
		}
		admin!.exec(
			`SELECT setval(pg_get_serial_sequence('${to}.request_events', 'id'),
			               coalesce((SELECT max(id) FROM ${to}.request_events), 0) + 1, false)`
		);
	})();
	schemaOfDataDir.set(toDataDir, to);
}

/**
 * One Beckon without an HTTP server, for the tests that call services directly: on `dataDir`
 * (or its PostgreSQL schema), alone, so with no relay to other instances.
 */
export function createTestBeckon(dataDir: string, clock: Clock): Beckon {
	return createBeckon(
		loadConfig({
			...testDatabaseEnv(dataDir),
			BECKON_DATA_DIR: dataDir,
			BECKON_PUBLIC_URL: 'http://beckon.test'
		}),
		{ clock, relay: false }
	);
}
