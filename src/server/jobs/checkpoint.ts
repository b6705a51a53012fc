/**
 * Folds SQLite's write-ahead log back into the database file on a thread of its own. Left to
 * itself, SQLite does it in the commit that takes the log past 1,000 pages (`wal_autocheckpoint`),
 * on the thread serving HTTP: the request that happens to commit then copies every page the
 * log holds into the file and syncs both, ≈ a fifth of a push of 500 creates' time. Here a worker
 * thread with its own connection checkpoints (PASSIVE: it never waits for, nor holds up, a reader
 * or the writer) after a batch of committed changes once the log is CHECKPOINT_MIN_PAGES long
 * and not all in the file, at most once per `CHECKPOINT_GAP_MS`, so the log is seldom long enough for a
 * commit to checkpoint. SQLite's own checkpoint stays as it
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

/**
 * How long the log must be (in pages, counted from its start as SQLite counts them for its own
 * threshold) before the thread checkpoints it: half of SQLite's 1,000, so that the file is copied
 * into about as often as SQLite would (each pass copies every page the log holds not yet in the
 * file; checkpointing after every small write would copy the same pages over and over), and a
 * commit seldom takes it to SQLite's own.
 */
export const CHECKPOINT_MIN_PAGES = 500;

// CommonJS run by the worker (`eval`): no module of its own to build and ship beside the server.
// The log's length comes from the WAL-index header SQLite keeps at the start of the shared memory
// file (https://www.sqlite.org/walformat.html: mxFrame, the log's last page, at byte 16;
// nBackfill, how far it is in the file, at byte 96; in the machine's byte order), read without a
// lock: a guess, good enough to decide whether to checkpoint. Unreadable: checkpoint anyway. The
// log starts again from its beginning only once it is all in the file, so a log partly
// checkpointed still counts whole towards SQLite's threshold: it is finished here too.
const THREAD = `
const { openSync, readSync } = require('node:fs');
const { endianness } = require('node:os');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
const header = Buffer.alloc(100);
let shm = null;
function due() {
	try {
		shm ??= openSync(workerData.file + '-shm', 'r');
		if (readSync(shm, header, 0, 100, 0) < 100) return true;
		const at = (offset) =>
			endianness() === 'LE' ? header.readUInt32LE(offset) : header.readUInt32BE(offset);
		const length = at(16);
		return length >= workerData.minPages && length > at(96);
	} catch {
		return true;
	}
}
parentPort.on('message', (message) => {
	if (message === 'stop') {
		db.close();
		parentPort.close();
		return;
	}
	if (!due()) {
		parentPort.postMessage(null);
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
 * memory). `onPass` hears each pass: the checkpoint's result, or null when the log was shorter
 * than `minPages` or all in the file already. Returns the function that stops it.
 */
export function start(
	app: Beckon,
	options: {
		minPages?: number;
		onPass?: (result: CheckpointResult | null) => void;
	} = {}
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
				file: sqlite.name,
				minPages: options.minPages ?? CHECKPOINT_MIN_PAGES
			}
		});
	} catch (error) {
		log.warn(
			{ err: error },
			'the checkpoint thread did not start; SQLite checkpoints as it commits'
		);
		return async () => {};
	}
	// Never what keeps the process alive: stopping ends it.
	worker.unref();
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
	worker.on('message', (result: CheckpointResult | null) => {
		running = false;
		options.onPass?.(result);
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
