/**
 * `app.sqlite` is typed as the calls both databases answer (SqlConnection); what only one of them
 * has is reached by narrowing it explicitly, which refuses the other database by name.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { freshSchema, schemaUrl, TEST_DATABASE_URL } from '../../../tests/support/database';
import { openDatabase, postgresOf, sqliteOf, type Database_ } from './index';

const opened: Database_[] = [];
afterAll(() => {
	for (const database of opened) database.close();
});

describe('narrowing the connection', () => {
	it('gives SQLite’s own calls on SQLite, and refuses PostgreSQL’s', () => {
		const database = openDatabase(':memory:');
		opened.push(database);
		expect(sqliteOf(database.sqlite).pragma('foreign_keys', { simple: true })).toBe(1);
		expect(() => postgresOf(database.sqlite)).toThrow('This needs the PostgreSQL database');
	});

	it.skipIf(!TEST_DATABASE_URL)(
		'gives PostgreSQL’s own calls on PostgreSQL, and refuses SQLite’s',
		() => {
			const database = openDatabase({ file: '', url: schemaUrl(freshSchema()) });
			opened.push(database);
			const count = postgresOf(database.sqlite)
				.transaction(() => database.sqlite.prepare('SELECT count(*)::int AS n FROM counters').get())
				.unlocked();
			expect(count).toEqual({ n: 1 });
			expect(() => sqliteOf(database.sqlite)).toThrow('This needs the SQLite database');
		}
	);
});
