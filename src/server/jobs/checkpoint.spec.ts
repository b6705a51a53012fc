/**
 * The checkpoint thread folds the write-ahead log into the database file after writes commit, so
 * that the file alone (copied without its `-wal`) holds them, without any commit doing it.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { TEST_DATABASE_URL } from '../../../tests/support/database';
import { testUser, useTestBeckon } from '../../../tests/support/test-beckon';
import { sqliteOf } from '../db';
import { push } from '../services/sync';
import { start, type CheckpointResult } from './checkpoint';

const NOW = Date.parse('2030-05-06T08:00:00.000Z');
const copies = mkdtempSync(join(tmpdir(), 'beckon-checkpoint-'));
afterAll(() => rmSync(copies, { recursive: true, force: true }));

describe.skipIf(TEST_DATABASE_URL)('the checkpoint thread', () => {
	const test = useTestBeckon(() => NOW);

	/** The requests the database file holds on its own, as a copy of it without the log shows. */
	function requestsInFile(): number {
		const copy = join(copies, `${randomUUID()}.db`);
		copyFileSync(sqliteOf(test.app.sqlite).name, copy);
		const db = new Database(copy, { readonly: true });
		try {
			return (db.prepare('SELECT count(*) AS n FROM session_requests').get() as { n: number }).n;
		} finally {
			db.close();
		}
	}

	async function pushCreates(count: number) {
		const user = await testUser(test.app, `agent-${randomUUID().slice(0, 8)}`);
		const answer = push(test.app, user, {
			clientId: randomUUID(),
			mutations: Array.from({ length: count }, (_, i) => ({
				id: i + 1,
				name: 'createRequest' as const,
				args: {
					id: uuidv7(),
					recipientName: `Recipient ${i}`,
					recipientEmail: `recipient${i}@example.com`,
					comments: 'The printer will not connect to the office network.',
					assignment: { kind: 'me' as const }
				}
			}))
		});
		expect(answer.results.every((r) => r.ok)).toBe(true);
	}

	it('folds committed writes into the database file, and stops when asked', async () => {
		// The schema in the file, as after a restart.
		sqliteOf(test.app.sqlite).pragma('wal_checkpoint(TRUNCATE)');
		// Without it, a push of 200 creates stays in the log (SQLite's own checkpoint waits for
		// 1,000 pages).
		await pushCreates(200);
		expect(requestsInFile()).toBe(0);

		const results: CheckpointResult[] = [];
		const stop = start(test.app, (result) => results.push(result));
		try {
			await pushCreates(200);
			await vi.waitFor(() => expect(requestsInFile()).toBe(400), { timeout: 5000 });
			expect(results.length).toBeGreaterThan(0);
			expect(results.at(-1)).toMatchObject({ busy: 0 });
			expect(results.at(-1)!.checkpointed).toBe(results.at(-1)!.log);
		} finally {
			await stop();
		}
		await pushCreates(200);
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(requestsInFile()).toBe(400);
		// The thread has let go of the database: the server's own checkpoint at shutdown empties
		// the log.
		expect(sqliteOf(test.app.sqlite).pragma('wal_checkpoint(TRUNCATE)')).toEqual([
			{ busy: 0, log: 0, checkpointed: 0 }
		]);
		expect(requestsInFile()).toBe(600);
	});
});
