/**
 * The single executable's cache folder (sea/main.cjs, outside the executable it only exports
 * its functions): never a shared temporary folder, its own and writable by nobody else, and every
 * unpacked file checked against the build's hashes.
 */
import { createHash } from 'node:crypto';
import {
	chmodSync,
	chownSync,
	existsSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	symlinkSync,
	writeFileSync
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const cache = require('../../sea/main.cjs') as {
	cacheRoot(env: Record<string, string>, home: string | null): string;
	unpack(
		index: { version: string; hash: string; files: string[]; hashes: Record<string, string> },
		root: string,
		assetOf: (file: string) => Uint8Array
	): string;
	CacheError: new (message: string) => Error;
};

const ASSETS: Record<string, string> = {
	'app/entry.mjs': 'export {};\n',
	'drizzle/0000_init.sql': 'CREATE TABLE t (id INTEGER);\n'
};
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const INDEX = {
	version: '9.9.9',
	hash: 'a'.repeat(64),
	files: Object.keys(ASSETS),
	hashes: Object.fromEntries(Object.entries(ASSETS).map(([file, text]) => [file, sha256(text)]))
};
const assetOf = (file: string) => new TextEncoder().encode(ASSETS[file]);

describe('the single executable’s cache folder', () => {
	let work: string;
	beforeAll(() => {
		work = mkdtempSync(join(tmpdir(), 'beckon-sea-cache-'));
	});
	afterAll(() => rmSync(work, { recursive: true, force: true }));

	it('is BECKON_CACHE_DIR, XDG_CACHE_HOME or ~/.cache — never the shared temporary folder', () => {
		expect(cache.cacheRoot({ BECKON_CACHE_DIR: '/srv/beckon-cache' }, '/home/a')).toBe(
			'/srv/beckon-cache'
		);
		expect(cache.cacheRoot({ XDG_CACHE_HOME: '/home/a/.xdg' }, '/home/a')).toBe(
			'/home/a/.xdg/beckon'
		);
		expect(cache.cacheRoot({}, '/home/a')).toBe('/home/a/.cache/beckon');
		expect(() => cache.cacheRoot({}, '')).toThrow(/BECKON_CACHE_DIR/);
	});

	it('unpacks 0700/0600 and verifies each file against the build’s hash', () => {
		const root = join(work, 'fresh');
		const dir = cache.unpack(INDEX, root, assetOf);
		expect(readFileSync(join(dir, 'app/entry.mjs'), 'utf8')).toBe(ASSETS['app/entry.mjs']);
		// A file changed after unpacking is noticed at the next start, and the folder replaced.
		writeFileSync(join(dir, 'app/entry.mjs'), 'process.exit(13)');
		const again = cache.unpack(INDEX, root, assetOf);
		expect(again).toBe(dir);
		expect(readFileSync(join(dir, 'app/entry.mjs'), 'utf8')).toBe(ASSETS['app/entry.mjs']);
		// Assets that do not match their hashes are refused, and nothing is left behind.
		expect(() =>
			cache.unpack({ ...INDEX, hash: 'b'.repeat(64) }, root, () => new TextEncoder().encode('x'))
		).toThrow(/do not match the build/);
		expect(existsSync(join(root, `9.9.9-${'b'.repeat(16)}`))).toBe(false);
	});

	it('refuses a folder others may write to, or a link in its place', () => {
		const open = join(work, 'world-writable');
		mkdirSync(open);
		chmodSync(open, 0o777);
		expect(() => cache.unpack(INDEX, open, assetOf)).toThrow(/writable by others/);
		const group = join(work, 'group-writable');
		mkdirSync(group);
		chmodSync(group, 0o770);
		expect(() => cache.unpack(INDEX, group, assetOf)).toThrow(/writable by others/);
		const target = join(work, 'elsewhere');
		mkdirSync(target, { mode: 0o700 });
		const link = join(work, 'link');
		symlinkSync(target, link);
		expect(() => cache.unpack(INDEX, link, assetOf)).toThrow(/not a folder/);
	});

	it.runIf(process.getuid?.() === 0)('refuses a folder that belongs to another user', () => {
		const theirs = join(work, 'theirs');
		mkdirSync(theirs, { mode: 0o700 });
		chownSync(theirs, 65534, 65534);
		expect(() => cache.unpack(INDEX, theirs, assetOf)).toThrow(/belongs to another user/);
	});
});
