/**
 * PostgreSQL's migrations: drizzle-kit's history in drizzle/postgres/ (generated from the one
 * schema, see ./schema-postgres.ts), applied in order of its journal and recorded by tag in
 * `__drizzle_migrations`, together in one transaction under the write lock, so that instances
 * starting together apply each once.
 *
 * Databases made before that history existed were migrated by twelve hand-written files
 * (`LEGACY_TAGS`, recorded by tag in the same table). Their schema is the generated baseline's
 * (schema-parity.spec.ts and postgres-adoption.spec.ts check it), so a database carrying all
 * twelve is *adopted*: the baseline is recorded as applied without being run, and the later
 * migrations apply as to any other. One that stopped part-way through the old files is refused
 * with what to do: start it once with the release before this change (which brings it to the
 * last of them), then with this one.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SyncPostgres } from './postgres';

/** The hand-written history drizzle-kit's baseline replaced, in order. */
export const LEGACY_TAGS = [
	'0000_init',
	'0001_login_failures',
	'0002_privacy_retention',
	'0003_two_factor_sessions',
	'0004_web_push',
	'0005_webhooks',
	'0006_recipient_time_zone',
	'0007_help_page',
	'0008_user_language',
	'0009_passkeys',
	'0010_report_indexes',
	'0011_session_guests'
];

/** Applies the migrations of `tags` (the journal's, in order) not applied yet, from `folder`. */
export function migratePostgres(client: SyncPostgres, folder: string, tags: string[]) {
	// A write transaction holds the write lock (see ./postgres.ts) to its end: instances starting
	// together wait for it, then find the migrations applied.
	const migrate = client.transaction(() => {
		client.exec(`CREATE TABLE IF NOT EXISTS __drizzle_migrations (
			id serial PRIMARY KEY, hash text NOT NULL UNIQUE, created_at bigint)`);
		const applied = new Set(
			(client.prepare('SELECT hash FROM __drizzle_migrations').all() as { hash: string }[]).map(
				(row) => row.hash
			)
		);
		const record = (tag: string) =>
			client
				.prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES ($1, $2)')
				.run(tag, Date.now());
		const baseline = tags[0];
		const legacy = LEGACY_TAGS.filter((tag) => applied.has(tag));
		if (legacy.length > 0 && !applied.has(baseline)) {
			if (legacy.length < LEGACY_TAGS.length) {
				throw new Error(
					`this database was migrated by an older Beckon only up to ${legacy.at(-1)}, and this ` +
						`version takes over from ${LEGACY_TAGS.at(-1)}: start the previous release on it ` +
						`once (it applies the rest), then this one`
				);
			}
			record(baseline);
			applied.add(baseline);
		}
		for (const tag of tags) {
			if (applied.has(tag)) continue;
			client.exec(readFileSync(join(folder, `${tag}.sql`), 'utf8'));
			record(tag);
		}
	});
	migrate.immediate();
}
