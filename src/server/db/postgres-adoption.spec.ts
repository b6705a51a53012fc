/**
 * A PostgreSQL database migrated by the hand-written history that drizzle-kit's baseline replaced
 * (kept in tests/fixtures/postgres-legacy/) is adopted when Beckon starts on it: the baseline is
 * recorded as applied without running, the rows stay, its schema is a fresh database's, and a
 * migration drizzle-kit generates later applies to it. A database part-way through the old
 * history is refused with what to do.
 */
import { spawnSync } from 'node:child_process';
import {
	cpSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	writeFileSync
} from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshSchema, schemaUrl, TEST_DATABASE_URL } from '../../../tests/support/database';
import { createBeckon } from '../app';
import { loadConfig } from '../config';
import { readiness } from '../health';
import { migrationTags, migrationsFolder, openDatabase } from './index';
import type { SqlConnection } from './connection';
import { SyncPostgres } from './postgres';
import { LEGACY_TAGS, migratePostgres } from './postgres-migrate';
import { postgresShape } from '../../../tests/support/schema-shape';

const LEGACY = resolve('tests/fixtures/postgres-legacy');

/** A schema migrated by the old files alone, as a release before drizzle-kit's baseline left it. */
function legacyDatabase(tags = LEGACY_TAGS): string {
	const schema = freshSchema();
	const client = new SyncPostgres({ connectionString: schemaUrl(schema) });
	try {
		// The same runner, given the old folder and journal, does what the old one did.
		migratePostgres(client, LEGACY, tags);
	} finally {
		client.close();
	}
	return schema;
}

/**
 * The names of the schema's constraints, indexes and sequences: what a later migration names when
 * it drops or changes one, so an adopted database must have the same as a fresh one.
 */
function names(client: SqlConnection): string[] {
	return (
		client
			.prepare(
				`SELECT 'constraint ' || conname AS name FROM pg_constraint c
				   JOIN pg_namespace n ON n.oid = c.connamespace AND n.nspname = current_schema()
				 UNION ALL SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = current_schema()
				 UNION ALL SELECT 'sequence ' || sequencename FROM pg_sequences WHERE schemaname = current_schema()
				 ORDER BY 1`
			)
			.all() as { name: string }[]
	).map((row) => row.name);
}

function hashes(client: SyncPostgres): string[] {
	return (
		client.prepare('SELECT hash FROM __drizzle_migrations ORDER BY id').all() as { hash: string }[]
	).map((row) => row.hash);
}

describe.skipIf(!TEST_DATABASE_URL)(
	'a PostgreSQL database from before drizzle-kit’s baseline',
	() => {
		// Inside the project, where drizzle-kit finds drizzle-orm for the schema file written here.
		const cache = resolve('node_modules/.cache');
		mkdirSync(cache, { recursive: true });
		const dir = mkdtempSync(join(cache, 'beckon-adopt-'));
		afterAll(() => rmSync(dir, { recursive: true, force: true }));

		it('is adopted at start: the baseline recorded, rows kept, the same schema as a fresh one', () => {
			const schema = legacyDatabase();
			const old = new SyncPostgres({ connectionString: schemaUrl(schema) });
			old.exec(`INSERT INTO users (id, email, name, password_hash, role, permission, created_at, updated_at)
			VALUES ('u1', 'ada@example.com', 'Ada', 'x', 'admin', 'all', 1, 1)`);
			old.exec(`INSERT INTO session_requests (id, recipient_name, send_email, email_language, comments,
			expires_at, assignment_kind, status, created_by, created_at, updated_at, status_changed_at, version)
			VALUES ('r1', 'Grace', 0, 'en', 'printer', 9, 'unassigned', 'open', 'u1', 1, 1, 1, 1)`);
			old.exec(`INSERT INTO request_events (request_id, type, actor, at, data)
			VALUES ('r1', 'created', 'u1', 1, '{}')`);
			old.close();

			const app = createBeckon(
				loadConfig({
					DATABASE_URL: schemaUrl(schema),
					BECKON_DATA_DIR: dir,
					BECKON_PUBLIC_URL: 'http://beckon.test'
				}),
				{ clock: () => Date.now(), relay: false }
			);
			try {
				expect(readiness(app)).toEqual({
					ready: true,
					checks: { database: 'ok', migrations: 'ok' }
				});
				const applied = (
					app.sqlite.prepare('SELECT hash FROM __drizzle_migrations ORDER BY id').all() as {
						hash: string;
					}[]
				).map((row) => row.hash);
				expect(applied).toEqual([...LEGACY_TAGS, ...migrationTags('postgres')]);
				const requests = app.db.query.sessionRequests
					.findMany({ columns: { id: true, recipientName: true } })
					.sync();
				expect(requests).toEqual([{ id: 'r1', recipientName: 'Grace' }]);
				// The generated key goes on from the old rows'.
				app.sqlite
					.prepare(
						`INSERT INTO request_events (request_id, type, actor, at, data) VALUES ($1, $2, $3, $4, $5)`
					)
					.run('r1', 'updated', 'u1', 2, '{}');
				expect(app.sqlite.prepare('SELECT id FROM request_events ORDER BY id').all()).toEqual([
					{ id: 1 },
					{ id: 2 }
				]);
				const fresh = openDatabase({ file: '', url: schemaUrl(freshSchema()) });
				try {
					expect(postgresShape(app.sqlite, { exact: true })).toEqual(
						postgresShape(fresh.sqlite, { exact: true })
					);
				} finally {
					fresh.close();
				}
			} finally {
				app.close();
			}
		});

		it('takes a migration drizzle-kit generates after the baseline, as a fresh database does', () => {
			// A later schema: the derived tables and one more, generated into a copy of the history
			// (drizzle-kit wants its folder relative).
			const out = join(dir, 'postgres');
			cpSync(migrationsFolder('postgres'), out, { recursive: true });
			const schemaFile = join(dir, 'later-schema.ts');
			writeFileSync(
				schemaFile,
				`import { bigint, pgTable, text } from 'drizzle-orm/pg-core';
			import { users } from ${JSON.stringify(resolve('src/server/db/schema-postgres.ts'))};
			export * from ${JSON.stringify(resolve('src/server/db/schema-postgres.ts'))};
			export const notes = pgTable('notes', {
				id: text('id').primaryKey(),
				userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
				at: bigint('at', { mode: 'number' }).notNull()
			});`
			);
			const config = join(dir, 'later.config.ts');
			writeFileSync(
				config,
				`export default ${JSON.stringify({ schema: schemaFile, out: relative(process.cwd(), out), dialect: 'postgresql' })};`
			);
			const generated = spawnSync(
				'npx',
				['--no', 'drizzle-kit', 'generate', '--config', config, '--name', 'notes'],
				{ encoding: 'utf8' }
			);
			expect(generated.status, generated.stderr).toBe(0);
			const tags = JSON.parse(readFileSync(join(out, 'meta/_journal.json'), 'utf8')).entries.map(
				(entry: { tag: string }) => entry.tag
			) as string[];
			const history = migrationTags('postgres');
			const next = String(history.length).padStart(4, '0');
			expect(tags, generated.stdout).toEqual([...history, `${next}_notes`]);
			// What `npm run db:generate` does to the files it wrote (scripts/db-generate.js).
			for (const file of readdirSync(out).filter((name) => name.endsWith('.sql'))) {
				const path = join(out, file);
				writeFileSync(
					path,
					readFileSync(path, 'utf8').replaceAll('REFERENCES "public".', 'REFERENCES ')
				);
			}

			const adopted = legacyDatabase();
			const fresh = freshSchema();
			for (const schema of [adopted, fresh]) {
				const client = new SyncPostgres({ connectionString: schemaUrl(schema) });
				try {
					migratePostgres(client, out, tags);
					client.exec(`INSERT INTO users (id, email, name, password_hash, role, permission, created_at, updated_at)
					VALUES ('u1', 'ada@example.com', 'Ada', 'x', 'admin', 'all', 1, 1)`);
					client
						.prepare('INSERT INTO notes (id, user_id, at) VALUES ($1, $2, $3)')
						.run('n1', 'u1', 5);
					client.exec(`DELETE FROM users`);
					expect(client.prepare('SELECT count(*)::int AS n FROM notes').get()).toEqual({ n: 0 });
					expect(hashes(client).slice(-tags.length)).toEqual(tags);
				} finally {
					client.close();
				}
			}
			const [a, b] = [adopted, fresh].map((schema) => {
				const client = new SyncPostgres({ connectionString: schemaUrl(schema) });
				try {
					return { shape: postgresShape(client, { exact: true }), names: names(client) };
				} finally {
					client.close();
				}
			});
			expect(a).toEqual(b);
			expect(Object.keys(a.shape)).toContain('notes');
		}, 60_000);

		it('refuses one part-way through the old history, saying what to do', () => {
			const schema = legacyDatabase(LEGACY_TAGS.slice(0, 9));
			expect(() => openDatabase({ file: '', url: schemaUrl(schema) })).toThrow(
				/migrated by an older Beckon only up to 0008_user_language.*start the previous release on it once/
			);
		});
	}
);
