/**
 * The limit a sync into IndexedDB is measured against: the same rows written with raw IndexedDB
 * puts into the app's stores and indexes (BeckonDB's), one transaction per page, as `applyPull`
 * writes them. Runs in Chromium, bundled by the benchmark cases that use it.
 */
import { assigneeKey } from '../../src/lib/client/db';
import type { SessionRequest } from '../../src/lib/domain/types';

function openRaw(name: string): Promise<IDBDatabase> {
	return new Promise((resolve, reject) => {
		const open = indexedDB.open(name, 1);
		open.onupgradeneeded = () => {
			const db = open.result;
			db.createObjectStore('base', { keyPath: 'id' });
			const requests = db.createObjectStore('requests', { keyPath: 'id' });
			for (const index of ['status', 'createdAt', 'expiresAt', 'scheduledAt', 'assignee']) {
				requests.createIndex(index, index);
			}
			db.createObjectStore('meta', { keyPath: 'key' });
		};
		open.onsuccess = () => resolve(open.result);
		open.onerror = () => reject(open.error);
	});
}

/** The same writes as applyPull's: each row into base and (as shown) into requests, the cursor. */
export async function rawPuts(name: string, rows: SessionRequest[], pageSize: number) {
	const db = await openRaw(name);
	const start = performance.now();
	for (let i = 0; i < rows.length; i += pageSize) {
		await new Promise<void>((resolve, reject) => {
			const tx = db.transaction(['base', 'requests', 'meta'], 'readwrite');
			const base = tx.objectStore('base');
			const requests = tx.objectStore('requests');
			for (const row of rows.slice(i, i + pageSize)) {
				base.put(row);
				requests.put({
					...row,
					assignee: assigneeKey(row.assignment),
					pending: 0,
					unsynced: false
				});
			}
			tx.objectStore('meta').put({ key: 'cursor', value: `${i}.0` });
			tx.oncomplete = () => resolve();
			tx.onerror = () => reject(tx.error);
		});
	}
	const ms = performance.now() - start;
	db.close();
	return ms;
}
