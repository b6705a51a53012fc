/**
 * Folds SQLite's write-ahead log back into the database file on a thread of its own. Left to
 * itself, SQLite does it in the commit that takes the log past 1,000 pages (`wal_autocheckpoint`),
 * on the thread serving HTTP: the request that happens to commit then copies every page the
 * log holds into the file and syncs both, ≈ a fifth of a push of 500 creates' time. Here a worker
 * thread with its own connection checkpoints (PASSIVE: it never waits for, nor holds up, a reader
 * or the writer) after each batch of committed changes, at most once per `CHECKPOINT_GAP_MS`, so
 * the log is seldom long enough for a commit to checkpoint. SQLite's own checkpoint stays as it
 * was, for writes that announce no change, and for when the thread could not start or has failed.
 */
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Beckon } from '../app';
import { sqliteOf } from '../db';
import { log } from '../log';

/** The least time between the end of one checkpoint and the start of the next. */
export const CHECKPOINT_GAP_MS = 50;

// CommonJS run by the worker (`eval`): no module of its own to build and ship beside the server.
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
parentPort.on('message', (message) => {
	if (message === 'stop') {
		db.close();
		parentPort.close();
		return;
	}
	const [result] = db.pragma('wal_checkpoint(PASSIVE)');
	parentPort.postMessage(result);
});
`;

/** What a checkpoint reports: the log's pages, and how many of them are now in the file. */
export interface CheckpointResult {
	busy: number;
	log: number;
	checkpointed: number;
}

/**
 * Starts the checkpoint thread for `app`'s SQLite file (nothing on PostgreSQL or for a database in
 * memory); `onCheckpoint` hears each checkpoint's result. Returns the function that stops it.
 */
export function start(
	app: Beckon,
	onCheckpoint?: (result: CheckpointResult) => void
): () => Promise<void> {
	if (app.dialect !== 'sqlite') return async () => {};
	const sqlite = sqliteOf(app.sqlite);
	if (sqlite.memory) return async () => {};
	let worker: Worker;
	try {
		worker = new Worker(THREAD, {
			eval: true,
			workerData: {
				driver: createRequire(import.meta.url).resolve('better-sqlite3'),
				file: sqlite.name
			}
		});
	} catch (error) {
		log.warn(
			{ err: error },
			'the checkpoint thread did not start; SQLite checkpoints as it commits'
		);
		return async () => {};
	}
	const stopping = new AbortController();
	let failed = false;
	let running = false;
	let again = false;
	let timer: NodeJS.Timeout | null = null;
	const exited = once(worker, 'exit');

	const checkpoint = () => {
		timer = null;
		if (failed || stopping.signal.aborted) return;
		running = true;
		again = false;
		worker.postMessage('checkpoint');
	};
	// Asked after every batch of changes: one checkpoint at a time, and one more after it for
	// whatever was committed meanwhile.
	const nudge = () => {
		if (running || timer) again = true;
		else checkpoint();
	};
	worker.on('message', (result: CheckpointResult) => {
		running = false;
		onCheckpoint?.(result);
		if (again && !stopping.signal.aborted) timer = setTimeout(checkpoint, CHECKPOINT_GAP_MS);
	});
	worker.on('error', (error) => {
		failed = true;
		running = false;
		log.error({ err: error }, 'the checkpoint thread failed; SQLite checkpoints as it commits');
	});
	void (async () => {
		for await (const _ of app.bus.batches(stopping.signal)) nudge();
	})();

	return async () => {
		stopping.abort();
		if (timer) clearTimeout(timer);
		if (!failed) worker.postMessage('stop');
		await exited;
	};
}
