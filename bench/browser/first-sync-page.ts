/**
 * Injected into the agent app's page by bench/cases/first-sync.ts once its first sync is done:
 * counts what the app stored, and times the limit, raw IndexedDB puts of those same rows (read
 * back from the app's own database, not timed) in the same page.
 */
import type { SessionRequest } from '../../src/lib/domain/types';
import { rawPuts } from './raw-idb';

function appDatabase(): Promise<IDBDatabase> {
	return new Promise((resolve, reject) => {
		const open = indexedDB.open('beckon');
		open.onsuccess = () => resolve(open.result);
		open.onerror = () => reject(open.error);
	});
}

function request<T>(req: IDBRequest<T>): Promise<T> {
	return new Promise((resolve, reject) => {
		req.onsuccess = () => resolve(req.result);
		req.onerror = () => reject(req.error);
	});
}

declare global {
	interface Window {
		storedRequests(): Promise<number>;
		rawLimit(name: string, pageSize: number): Promise<{ rows: number; ms: number }>;
	}
}

window.storedRequests = async () => {
	const db = await appDatabase();
	try {
		return await request(db.transaction('requests').objectStore('requests').count());
	} finally {
		db.close();
	}
};

window.rawLimit = async (name, pageSize) => {
	const db = await appDatabase();
	let rows: SessionRequest[];
	try {
		rows = await request(db.transaction('base').objectStore('base').getAll());
	} finally {
		db.close();
	}
	return { rows: rows.length, ms: await rawPuts(name, rows, pageSize) };
};
