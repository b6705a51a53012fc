/**
 * The data folder and the files in it hold customers' contact data and the link secret: the
 * folder is created 0700 and the database, its WAL and shared-memory files and every backup are
 * 0600, whatever the process's umask. An existing folder or file with wider rights is narrowed.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export const FOLDER_MODE = 0o700;
export const FILE_MODE = 0o600;

/** Narrows `path` to `mode` when it allows more; a file owned by someone else is left as it is. */
function narrow(path: string, mode: number) {
	const stat = statSync(path);
	if ((stat.mode & 0o777 & ~mode) === 0) return;
	if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) return;
	chmodSync(path, stat.mode & 0o777 & mode);
}

/** Creates `file` empty and 0600 unless it exists (SQLite then gives its WAL the same mode). */
export function createPrivateFile(file: string) {
	closeSync(openSync(file, 'a', FILE_MODE));
	narrow(file, FILE_MODE);
}

/**
 * Before SQLite opens `file`: its folder exists and is 0700, and the file exists and is 0600, so
 * that the WAL and shared-memory files SQLite creates next to it take the same mode.
 */
export function prepareDatabaseFile(file: string) {
	const folder = dirname(file);
	mkdirSync(folder, { recursive: true, mode: FOLDER_MODE });
	narrow(folder, FOLDER_MODE);
	createPrivateFile(file);
}

/** After opening: the WAL and shared-memory files of an older install are narrowed too. */
export function restrictDatabaseFiles(file: string) {
	for (const path of [file, `${file}-wal`, `${file}-shm`]) {
		if (existsSync(path)) narrow(path, FILE_MODE);
	}
}
