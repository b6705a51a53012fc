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
import { CHECKPOINT_MIN_PAGES, start, type CheckpointResult } from './checkpoint';

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

		const results: (CheckpointResult | null)[] = [];
		const stop = start(test.app, { minPages: 1, onPass: (result) => results.push(result) });
		try {
			await pushCreates(200);
			// The thread's answer comes after its checkpoint: wait for both.
			await vi.waitFor(
				() => {
					expect(results.length).toBeGreaterThan(0);
					expect(requestsInFile()).toBe(400);
				},
				{ timeout: 5000 }
			);
			const last = results.at(-1)!;
			expect(last).toMatchObject({ busy: 0 });
			expect(last.checkpointed).toBe(last.log);
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

	it('leaves a log of fewer pages than CHECKPOINT_MIN_PAGES to later', async () => {
		sqliteOf(test.app.sqlite).pragma('wal_checkpoint(TRUNCATE)');
		const before = requestsInFile();
		const passes: (CheckpointResult | null)[] = [];
		const stop = start(test.app, { onPass: (result) => passes.push(result) });
		try {
			// 20 creates write a few dozen pages.
			await pushCreates(20);
			await vi.waitFor(() => expect(passes).toEqual([null]), { timeout: 5000 });
			expect(requestsInFile()).toBe(before);
			// Past the threshold, the next batch checkpoints: 1,500 creates write well over 500 pages.
			await pushCreates(500);
			await pushCreates(500);
			await pushCreates(500);
			await vi.waitFor(
				() => {
					expect(passes.some((pass) => pass !== null)).toBe(true);
					expect(requestsInFile()).toBeGreaterThanOrEqual(before + 1000);
				},
				{ timeout: 5000 }
			);
			const checkpoint = passes.find((pass) => pass !== null)!;
			expect(checkpoint.log).toBeGreaterThanOrEqual(CHECKPOINT_MIN_PAGES);
		} finally {
			await stop();
		}
	});
});
