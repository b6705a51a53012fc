/**
 * The PostgreSQL schema (drizzle/postgres/, written by hand) must hold every table and column of
 * the drizzle schema the services use, with the same nullability: a column added to schema.ts
 * and drizzle/ but not to drizzle/postgres/ fails here, not in production.
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
		expect(applied).toEqual([
			{ hash: '0000_init' },
			{ hash: '0001_login_failures' },
			{ hash: '0002_privacy_retention' },
			{ hash: '0003_two_factor_sessions' },
			{ hash: '0004_web_push' },
			{ hash: '0005_webhooks' },
			{ hash: '0006_recipient_time_zone' },
			{ hash: '0007_help_page' },
			{ hash: '0008_user_language' },
			{ hash: '0009_passkeys' },
			{ hash: '0010_report_indexes' },
			{ hash: '0011_session_guests' },
			{ hash: '0012_report_times' }
		]);
	});
});
