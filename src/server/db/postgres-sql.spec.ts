import { describe, expect, it } from 'vitest';
import { toPostgres } from './postgres-sql';

describe('toPostgres', () => {
	it('numbers positional parameters, leaving quoted text alone', () => {
		expect(toPostgres(`SELECT * FROM t WHERE a = ? AND b = '?' AND "c?" = ?`)).toEqual({
			text: `SELECT * FROM t WHERE a = $1 AND b = '?' AND "c?" = $2`,
			names: null
		});
		expect(toPostgres(`SELECT 'it''s ?', ?`).text).toBe(`SELECT 'it''s ?', $1`);
	});

	it('binds named parameters by name, each once', () => {
		expect(toPostgres('UPDATE t SET a = @a, b = :b WHERE id = $id AND a <> @a')).toEqual({
			text: 'UPDATE t SET a = $1, b = $2 WHERE id = $3 AND a <> $1',
			names: ['a', 'b', 'id']
		});
		// PostgreSQL's own casts are not parameters.
		expect(toPostgres('SELECT ?::bigint').text).toBe('SELECT $1::bigint');
	});

	it('writes INSERT OR IGNORE as ON CONFLICT DO NOTHING, before any RETURNING', () => {
		expect(toPostgres('INSERT OR IGNORE INTO t (a) VALUES (?)').text).toBe(
			'INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING'
		);
		expect(toPostgres('insert or ignore into t (a) values (?) returning "a"').text).toBe(
			'insert into t (a) values ($1) ON CONFLICT DO NOTHING returning "a"'
		);
	});

	it('matches LIKE without regard to case, as SQLite does', () => {
		expect(toPostgres(`SELECT 1 FROM t WHERE name LIKE ? ESCAPE '\\'`).text).toBe(
			`SELECT 1 FROM t WHERE name ILIKE $1 ESCAPE '\\'`
		);
	});

	it('drops the table name PostgreSQL refuses in an ON CONFLICT target', () => {
		expect(
			toPostgres(
				'insert into "v" ("user_id", "epoch") values (?, ?) on conflict ("v"."user_id") do update set "epoch" = "v"."epoch" + 1'
			).text
		).toBe(
			'insert into "v" ("user_id", "epoch") values ($1, $2) on conflict ("user_id") do update set "epoch" = "v"."epoch" + 1'
		);
	});

	it('turns SQLite backquoted identifiers into double-quoted ones', () => {
		expect(toPostgres('SELECT `a` FROM `t`').text).toBe('SELECT "a" FROM "t"');
	});

	it('refuses SQLite-only statements and mixed parameters by name', () => {
		expect(() => toPostgres('PRAGMA wal_checkpoint(TRUNCATE)')).toThrow(/SQLite-only/);
		expect(() => toPostgres('VACUUM INTO ?')).toThrow(/SQLite-only/);
		expect(() => toPostgres('INSERT OR REPLACE INTO t VALUES (?)')).toThrow(/SQLite-only/);
		expect(() => toPostgres('SELECT ? , @a')).toThrow(/mixes/);
		expect(() => toPostgres("SELECT 'open")).toThrow(/Unterminated/);
	});
});
