/**
 * SQLite and PostgreSQL, each as its migrations leave it, hold the same schema: for every table
 * the same columns with the same kind of type, default and nullability, the same primary key,
 * the same unique and plain indexes (by their columns) and the same foreign keys (with their
 * delete rule). A migration written for one database and not the other fails here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshSchema, schemaUrl, TEST_DATABASE_URL } from '../../../tests/support/database';
import { openDatabase, type Database_ } from './index';
import { postgresShape, sqliteShape } from '../../../tests/support/schema-shape';

describe.skipIf(!TEST_DATABASE_URL)('the two databases’ schemas, as migrated', () => {
	const dir = mkdtempSync(join(tmpdir(), 'beckon-parity-'));
	const opened: Database_[] = [];
	afterAll(() => {
		for (const database of opened) database.close();
		rmSync(dir, { recursive: true, force: true });
	});

	it('have the same tables, columns, types, defaults, keys, indexes and foreign keys', () => {
		const sqlite = openDatabase(join(dir, 'beckon.db'));
		const postgres = openDatabase({ file: '', url: schemaUrl(freshSchema()) });
		opened.push(sqlite, postgres);
		const expected = sqliteShape(sqlite.sqlite);
		const actual = postgresShape(postgres.sqlite);
		expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
		for (const table of Object.keys(expected)) {
			expect({ table, ...actual[table] }).toEqual({ table, ...expected[table] });
		}
	});
});
