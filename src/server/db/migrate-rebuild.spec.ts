/**
 * A SQLite migration that rebuilds a table others refer to (drizzle-kit's copy, drop and rename:
 * the help pages' `session_requests.created_by` made nullable) keeps the rows referring to it:
 * migrations run with foreign keys off, so dropping the old table fires no ON DELETE action.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrationsUpTo } from '../../../tests/support/migrations';
import { openDatabase } from './index';

const BEFORE = '0004_privacy_retention';

describe('SQLite migrations that rebuild a table', () => {
	const dir = mkdtempSync(join(tmpdir(), 'beckon-migrate-'));
	afterAll(() => {
		delete process.env.BECKON_MIGRATIONS_DIR;
		rmSync(dir, { recursive: true, force: true });
	});

	it('keep the events and mail of every request', () => {
		// The migrations as they were before the rebuild.
		const old = migrationsUpTo(join(dir, 'drizzle'), { sqlite: BEFORE });
		const file = join(dir, 'beckon.db');

		process.env.BECKON_MIGRATIONS_DIR = old;
		const before = openDatabase(file);
		const run = (sql: string) => before.sqlite.prepare(sql).run();
		run(`INSERT INTO users VALUES ('u1', 'a@example.com', 'A', 'x', 'admin', 'edit', 1, 0, 0)`);
		run(`INSERT INTO session_requests (id, recipient_name, send_email, email_language, comments,
			expires_at, assignment_kind, status, created_by, created_at, updated_at, status_changed_at,
			version) VALUES ('r1', 'Bob', 0, 'en', '', 9, 'unassigned', 'open', 'u1', 0, 0, 0, 1)`);
		run(`INSERT INTO request_events (request_id, actor, type, at, data)
			VALUES ('r1', 'u1', 'created', 0, '{}')`);
		run(`INSERT INTO mail_outbox (id, request_id, kind, recipient, subject, text, html, status,
			next_attempt_at, created_at) VALUES ('m1', 'r1', 'invitation', 'b@example.com', 's', 't',
			'h', 'sent', 0, 0)`);
		before.close();

		delete process.env.BECKON_MIGRATIONS_DIR;
		const after = openDatabase(file);
		const get = (sql: string) => after.sqlite.prepare(sql).get();
		expect(get('SELECT count(*) AS n FROM request_events')).toEqual({ n: 1 });
		expect(get('SELECT request_id FROM mail_outbox')).toEqual({ request_id: 'r1' });
		expect(get('SELECT created_by, source FROM session_requests')).toEqual({
			created_by: 'u1',
			source: 'agent'
		});
		expect(after.sqlite.prepare('PRAGMA foreign_keys').get()).toEqual({ foreign_keys: 1 });
		after.close();
	});
});
