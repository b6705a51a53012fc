import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db';
import { loadOrCreateSecret } from './secret';

describe('the link secret', () => {
	let dir: string;
	beforeEach(() => {
		dir = mkdtempSync(join(tmpdir(), 'beckon-secret-'));
	});
	afterEach(() => rmSync(dir, { recursive: true, force: true }));

	const open = () => openDatabase(join(dir, 'beckon.db'));

	it('is made once, kept in the database, and the same for every process on it', () => {
		const a = open();
		const b = open();
		const first = loadOrCreateSecret(a.sqlite, dir);
		expect(first.length).toBe(32);
		expect(loadOrCreateSecret(b.sqlite, dir).equals(first)).toBe(true);
		a.close();
		b.close();
		// A copy of the database alone (a restored backup) carries it.
		const copyDir = mkdtempSync(join(tmpdir(), 'beckon-secret-copy-'));
		try {
			const original = open();
			original.sqlite.prepare('VACUUM INTO ?').run(join(copyDir, 'beckon.db'));
			original.close();
			const copy = openDatabase(join(copyDir, 'beckon.db'));
			expect(loadOrCreateSecret(copy.sqlite, copyDir).equals(first)).toBe(true);
			copy.close();
		} finally {
			rmSync(copyDir, { recursive: true, force: true });
		}
	});

	it("takes over an older installation's secret.key, so links already sent keep working", () => {
		const legacy = randomBytes(32);
		writeFileSync(join(dir, 'secret.key'), legacy.toString('base64') + '\n');
		const { sqlite, close } = open();
		expect(loadOrCreateSecret(sqlite, dir).equals(legacy)).toBe(true);
		// From then on the database's copy is the one used.
		writeFileSync(join(dir, 'secret.key'), randomBytes(32).toString('base64'));
		expect(loadOrCreateSecret(sqlite, dir).equals(legacy)).toBe(true);
		close();
	});

	it('refuses a damaged secret rather than silently replacing it', () => {
		writeFileSync(join(dir, 'secret.key'), 'c2hvcnQ=');
		const { sqlite, close } = open();
		expect(() => loadOrCreateSecret(sqlite, dir)).toThrow(/damaged/);
		close();
	});
});
