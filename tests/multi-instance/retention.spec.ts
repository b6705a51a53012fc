/**
 * Retention on several built servers sharing one PostgreSQL database: every instance sweeps at
 * start and on its timer, and each due request is anonymised exactly once (one `anonymized`
 * event, one new version), live ones never.
 *
 * Runs when a PostgreSQL is available (BECKON_TEST_DATABASE_URL); skipped otherwise.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncPostgres } from '../../src/server/db/postgres';
import type { ApiClient } from '../support/client';
import { freshSchema, schemaUrl, TEST_DATABASE_URL } from '../support/database';
import {
	startBuiltServer,
	startWithAdmin,
	type BuiltServer
} from '../reliability/support/built-server';

const DAY = 86_400_000;

describe.skipIf(!TEST_DATABASE_URL)('retention on several instances', () => {
	let url: string;
	let db: SyncPostgres;
	let admin: ApiClient;
	const servers: BuiltServer[] = [];
	const dirs: string[] = [];

	function dataDir() {
		const dir = mkdtempSync(join(tmpdir(), 'beckon-retention-'));
		dirs.push(dir);
		return dir;
	}

	beforeAll(async () => {
		url = schemaUrl(freshSchema());
		db = new SyncPostgres({ connectionString: url });
		const first = await startWithAdmin({ dataDir: dataDir(), env: { DATABASE_URL: url } });
		servers.push(first.server);
		admin = first.admin;
	}, 60_000);

	afterAll(async () => {
		for (const server of servers) await server.stop();
		db?.close();
		for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
	});

	it('anonymises each due request once while every instance sweeps', async () => {
		try {
			await sweepTogether();
		} catch (error) {
			// What the servers said is the first thing to read when this fails.
			for (const server of servers) console.error(server.output());
			throw error;
		}
	}, 90_000);

	async function sweepTogether() {
		const count = 60;
		const due: string[] = [];
		const live: string[] = [];
		for (let i = 0; i < count; i++) {
			const created = await admin.mutate('requests.create', {
				recipientName: `Old ${i}`,
				recipientEmail: `old-${i}@example.com`,
				sendEmail: true,
				comments: `Old problem ${i}`
			});
			if (i % 4 === 3) {
				live.push(created.id);
			} else {
				await admin.mutate('requests.close', { id: created.id });
				due.push(created.id);
			}
		}
		// They closed 31 days ago (the open ones were made then too).
		db.prepare(
			`UPDATE session_requests SET status_changed_at = status_changed_at - $1,
			 created_at = created_at - $2`
		).run(31 * DAY, 31 * DAY);
		const before = new Map(
			(
				db.prepare('SELECT id, version FROM session_requests').all() as {
					id: string;
					version: number;
				}[]
			).map((r) => [r.id, r.version])
		);
		await admin.mutate('settings.update', { retentionDays: 30 });

		// Every instance sweeps at start: two starting at the same moment race for the same rows.
		const env = { DATABASE_URL: url };
		servers.push(
			...(await Promise.all([
				startBuiltServer({ dataDir: dataDir(), env }),
				startBuiltServer({ dataDir: dataDir(), env })
			]))
		);
		const anonymized = () =>
			(
				db.prepare('SELECT id FROM session_requests WHERE anonymized_at IS NOT NULL').all() as {
					id: string;
				}[]
			).map((r) => r.id);
		await expect.poll(() => anonymized().length, { timeout: 20_000 }).toBe(due.length);
		expect(anonymized().sort()).toEqual([...due].sort());

		const events = db
			.prepare(
				`SELECT request_id, count(*) AS n FROM request_events WHERE type = 'anonymized'
				 GROUP BY request_id`
			)
			.all() as { request_id: string; n: number }[];
		expect(Object.fromEntries(events.map((e) => [e.request_id, e.n]))).toEqual(
			Object.fromEntries(due.map((id) => [id, 1]))
		);
		const rows = db
			.prepare('SELECT id, version, recipient_name, recipient_email FROM session_requests')
			.all() as { id: string; version: number; recipient_name: string; recipient_email: string }[];
		const versions = rows.map((r) => r.version);
		expect(new Set(versions).size).toBe(rows.length);
		for (const row of rows) {
			if (due.includes(row.id)) {
				expect(row).toMatchObject({ recipient_name: 'anonymized', recipient_email: null });
				expect(row.version).toBeGreaterThan(before.get(row.id)!);
			} else {
				expect(row.recipient_name).toMatch(/^Old \d+$/);
				expect(row.version).toBe(before.get(row.id));
			}
		}
		expect(live).toHaveLength(15);
	}
});
