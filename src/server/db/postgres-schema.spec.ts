/**
 * The PostgreSQL schema (drizzle/postgres/, which drizzle-kit writes from the tables
 * schema-postgres.ts derives from schema.ts) must hold every table and column of the drizzle
 * schema the services use, with the same nullability: a change to schema.ts whose PostgreSQL
 * migration was not generated (`npm run db:generate`) fails here, not in production.
 */
import { getTableColumns, getTableName, is } from 'drizzle-orm';
import { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { afterAll, describe, expect, it } from 'vitest';
import { freshSchema, schemaUrl, TEST_DATABASE_URL } from '../../../tests/support/database';
import { migrationTags, openDatabase, type Database_ } from './index';
import * as schema from './schema';

describe.skipIf(!TEST_DATABASE_URL)('the PostgreSQL schema', () => {
	let database: Database_ | undefined;
	afterAll(() => database?.close());

	it('has every table and column of schema.ts, with the same nullability', () => {
		database = openDatabase({ file: '', url: schemaUrl(freshSchema()) });
		const stored = database.sqlite
			.prepare(
				`SELECT table_name, column_name, is_nullable FROM information_schema.columns
				 WHERE table_schema = current_schema() AND table_name <> '__drizzle_migrations'`
			)
			.all() as { table_name: string; column_name: string; is_nullable: 'YES' | 'NO' }[];
		const actual = stored.map((c) => `${c.table_name}.${c.column_name} ${c.is_nullable}`).sort();
		const expected = (Object.values(schema) as unknown[])
			.filter((value): value is SQLiteTable => is(value, SQLiteTable))
			.flatMap((table) =>
				Object.values(getTableColumns(table)).map(
					(column) => `${getTableName(table)}.${column.name} ${column.notNull ? 'NO' : 'YES'}`
				)
			)
			.sort();
		expect(actual).toEqual(expected);
	});

	it('stops with a clear error where it may not create its tables', () => {
		const url = new URL(schemaUrl('no_such_schema'));
		expect(() => openDatabase({ file: '', url: url.toString() })).toThrow(
			/Cannot migrate the PostgreSQL database at DATABASE_URL: .*schema/
		);
	});

	it('applies its migrations once, whoever starts first', () => {
		const url = schemaUrl(freshSchema());
		const first = openDatabase({ file: '', url });
		const second = openDatabase({ file: '', url });
		const applied = second.sqlite.prepare('SELECT hash FROM __drizzle_migrations').all();
		first.close();
		second.close();
		// Each migration of the journal once, in order (the journal is what readiness counts too).
		expect(applied).toEqual(migrationTags('postgres').map((hash) => ({ hash })));
		expect(applied[0]).toEqual({ hash: '0000_baseline' });
	});
});
