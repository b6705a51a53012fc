import 'fake-indexeddb/auto';
/**
 * `followTable` (under `liveTable`): a table's rows kept current after changes, read again at a pace set by what a
 * read costs, so a first sync writing page after page does not have the list re-read after each.
 */
import { randomUUID } from 'node:crypto';
import Dexie, { type EntityTable } from 'dexie';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { followTable } from './live.svelte';

/** What a list following the table shows. */
function watchTable<T>(db: Dexie, table: string, read: () => Promise<T>, initial: T) {
	let current = initial;
	const stop = followTable(db, table, read, (value) => (current = value));
	return {
		get current() {
			return current;
		},
		stop
	};
}

class Rows extends Dexie {
	rows!: EntityTable<{ id: number; text: string }, 'id'>;
	other!: EntityTable<{ id: number }, 'id'>;
	constructor() {
		super('live-table-' + randomUUID());
		this.version(1).stores({ rows: 'id', other: 'id' });
	}
}

const until = async (check: () => boolean, timeoutMs = 5_000) => {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error('timed out');
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
};

let db: Rows;
beforeEach(async () => {
	db = new Rows();
	// Opened first: opening tells every live read that all tables changed.
	await db.open();
});
afterEach(async () => {
	await db.delete();
});

describe('followTable', () => {
	it('shows the rows, then every change made to them', async () => {
		await db.rows.bulkPut([
			{ id: 1, text: 'one' },
			{ id: 2, text: 'two' }
		]);
		const watched = watchTable(db, 'rows', () => db.rows.toArray(), []);
		try {
			await until(() => watched.current.length === 2);
			await db.rows.put({ id: 3, text: 'three' });
			await until(() => watched.current.length === 3);
			await db.rows.update(1, { text: 'one, changed' });
			await until(() => watched.current[0].text === 'one, changed');
			await db.rows.delete(2);
			await until(() => watched.current.length === 2);
			expect(watched.current.map((r) => r.text)).toEqual(['one, changed', 'three']);
		} finally {
			watched.stop();
		}
	});

	it('reads again at most once per four times its cost while writes keep coming, and last after them', async () => {
		let reads = 0;
		const slowRead = async () => {
			reads++;
			const rows = await db.rows.toArray();
			// A read that costs 100 ms, as 100,000 rows would.
			await new Promise((resolve) => setTimeout(resolve, 100));
			return rows;
		};
		const watched = watchTable(db, 'rows', slowRead, []);
		try {
			await until(() => reads === 1);
			// Fifty writes over a second or so: one read after each would be fifty.
			const started = Date.now();
			for (let i = 0; i < 50; i++) {
				await db.rows.put({ id: i, text: `row ${i}` });
				await new Promise((resolve) => setTimeout(resolve, 20));
			}
			const writing = Date.now() - started;
			await until(() => watched.current.length === 50, 10_000);
			// Reads at least 500 ms apart (100 ms × (1 + 4)) while the writes went on, and the last.
			expect(reads).toBeGreaterThanOrEqual(2);
			expect(reads).toBeLessThanOrEqual(2 + Math.ceil(writing / 500));
			expect(reads).toBeLessThan(10);
		} finally {
			watched.stop();
		}
	});

	it('is not read again for changes to other tables', async () => {
		let reads = 0;
		let finished = 0;
		const watched = watchTable(
			db,
			'rows',
			async () => {
				reads++;
				const rows = await db.rows.toArray();
				finished++;
				return rows;
			},
			[]
		);
		try {
			await until(() => finished === 1);
			await db.other.put({ id: 1 });
			await db.other.put({ id: 2 });
			await new Promise((resolve) => setTimeout(resolve, 100));
			expect(reads).toBe(1);
			await db.rows.put({ id: 1, text: 'one' });
			await until(() => watched.current.length === 1);
			expect(reads).toBeGreaterThanOrEqual(2);
		} finally {
			watched.stop();
		}
	});
});
