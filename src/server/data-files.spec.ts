import {
	chmodSync,
	existsSync,
	mkdirSync,
	mkdtempSync,
	rmSync,
	statSync,
	writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBeckon } from './app';
import { backup } from './cli';
import { loadConfig } from './config';
import { FILE_MODE, FOLDER_MODE } from './data-files';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('the data folder and its files (SQLite)', () => {
	let root: string;
	const previousUmask = process.umask(0o022);
	beforeAll(() => {
		root = mkdtempSync(join(tmpdir(), 'beckon-modes-'));
	});
	afterAll(() => {
		process.umask(previousUmask);
		rmSync(root, { recursive: true, force: true });
	});

	it('creates the folder 0700 and the database, its WAL and shared memory 0600 under umask 022', () => {
		const dataDir = join(root, 'new', 'data');
		const config = loadConfig({
			BECKON_DATA_DIR: dataDir,
			BECKON_PUBLIC_URL: 'http://beckon.test'
		});
		const app = createBeckon(config, { relay: false });
		try {
			app.sqlite.prepare("INSERT INTO settings (key, value) VALUES ('probe', '1')").run();
			expect(modeOf(dataDir)).toBe(FOLDER_MODE);
			for (const name of ['beckon.db', 'beckon.db-wal', 'beckon.db-shm']) {
				const path = join(dataDir, name);
				expect(existsSync(path), name).toBe(true);
				expect(modeOf(path), name).toBe(FILE_MODE);
			}
		} finally {
			app.close();
		}
	});

	it('narrows an existing folder and database that allow more', () => {
		const dataDir = join(root, 'old');
		mkdirSync(dataDir, { mode: 0o755 });
		chmodSync(dataDir, 0o777);
		writeFileSync(join(dataDir, 'beckon.db'), '');
		chmodSync(join(dataDir, 'beckon.db'), 0o666);
		const config = loadConfig({
			BECKON_DATA_DIR: dataDir,
			BECKON_PUBLIC_URL: 'http://beckon.test'
		});
		createBeckon(config, { relay: false }).close();
		expect(modeOf(dataDir)).toBe(FOLDER_MODE);
		expect(modeOf(join(dataDir, 'beckon.db'))).toBe(FILE_MODE);
	});

	it('writes backups 0600', async () => {
		const dataDir = join(root, 'backed-up');
		const config = loadConfig({
			BECKON_DATA_DIR: dataDir,
			BECKON_PUBLIC_URL: 'http://beckon.test'
		});
		createBeckon(config, { relay: false }).close();
		const lines: string[] = [];
		const target = join(root, 'copy.db');
		await backup(config, target, (line) => lines.push(line));
		expect(lines[0]).toContain('Backed up');
		expect(statSync(target).size).toBeGreaterThan(0);
		expect(modeOf(target)).toBe(FILE_MODE);
	});
});
