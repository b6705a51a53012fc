/** SyncPostgres answers better-sqlite3's calls the way the services rely on them. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshSchema, schemaUrl, TEST_DATABASE_URL } from '../../../tests/support/database';
import { PostgresError, SyncPostgres } from './postgres';

describe.skipIf(!TEST_DATABASE_URL)('SyncPostgres', () => {
	let db: SyncPostgres;
	let schema: string;
	const rows = () => db.prepare('SELECT id, n FROM t ORDER BY id').all();

	beforeAll(() => {
		schema = freshSchema();
		db = new SyncPostgres({ connectionString: schemaUrl(schema) });
		db.exec('CREATE TABLE t (id text PRIMARY KEY, n bigint, b bytea)');
	});
	afterAll(() => db.close());

	it('runs, gets and lists rows, as objects or as arrays (raw)', () => {
		const insert = db.prepare('INSERT INTO t (id, n) VALUES ($1, $2)');
		expect(insert.run('a', 1)).toEqual({ changes: 1, lastInsertRowid: 0 });
		insert.run(['b', 2 ** 40]); // an array binds its elements, as in better-sqlite3
		expect(db.prepare('SELECT n FROM t WHERE id = $1').get('b')).toEqual({ n: 2 ** 40 });
		expect(db.prepare('SELECT id, n FROM t ORDER BY id').raw().all()).toEqual([
			['a', 1],
			['b', 2 ** 40]
		]);
		expect(db.prepare('SELECT count(*) AS c FROM t').get()).toEqual({ c: 2 });
		expect(db.prepare('SELECT id FROM t ORDER BY id').pluck().all()).toEqual(['a', 'b']);
		expect(db.prepare('SELECT 1 FROM t WHERE id = $1').pluck().get('a')).toBe(1);
		expect(db.prepare('SELECT 1 FROM t WHERE id = $1').get('none')).toBeUndefined();
	});

	it("refuses SQLite's SQL by name, before sending it, and keeps the connection", () => {
		const refused: [string, RegExp][] = [
			['SELECT n FROM t WHERE id = ?', /a \? parameter/],
			['SELECT `n` FROM t', /a backquoted name/],
			['PRAGMA foreign_keys', /PRAGMA/],
			['VACUUM INTO $1', /VACUUM/],
			["INSERT OR IGNORE INTO t (id) VALUES ('x')", /INSERT OR IGNORE/],
			["insert or replace into t (id) values ('x')", /INSERT OR REPLACE/]
		];
		for (const [sql, named] of refused) {
			expect(() => db.prepare(sql)).toThrow(named);
			expect(() => db.prepare(sql)).toThrow(/SQLite's SQL .* sent to PostgreSQL/);
		}
		// Quoted text and names may hold anything; PostgreSQL's own forms pass.
		expect(db.prepare(`SELECT 'why?' AS "q?", $1::text AS v, 'it''s ?' AS w`).get('a')).toEqual({
			'q?': 'why?',
			v: 'a',
			w: "it's ?"
		});
		expect(() => db.prepare('SELECT $1::text AS v').get({ v: 'a' })).toThrow(/bound in order/);
		expect(rows()).toHaveLength(2);
	});

	it('returns bytes as Buffers', () => {
		db.prepare('UPDATE t SET b = $1 WHERE id = $2').run(Buffer.from([1, 2, 3]), 'a');
		const { b } = db.prepare('SELECT b FROM t WHERE id = $1').get('a') as { b: Buffer };
		expect(Buffer.isBuffer(b) && [...b]).toEqual([1, 2, 3]);
	});

	it('commits a transaction, rolls back a failed one, and makes nested ones savepoints', () => {
		const before = rows();
		expect(() =>
			db
				.transaction(() => {
					db.prepare('INSERT INTO t (id, n) VALUES ($1, $2)').run('c', 3);
					throw new Error('changed my mind');
				})
				.immediate()
		).toThrow('changed my mind');
		expect(rows()).toEqual(before);
		expect(db.inTransaction).toBe(false);

		db.transaction(() => {
			db.prepare('INSERT INTO t (id, n) VALUES ($1, $2)').run('d', 4);
			// A failed statement inside a savepoint leaves the outer transaction usable.
			expect(() =>
				db.transaction(() => db.prepare('INSERT INTO t (id, n) VALUES ($1, $2)').run('a', 9))()
			).toThrow(PostgresError);
			db.prepare('INSERT INTO t (id, n) VALUES ($1, $2)').run('e', 5);
		}).immediate();
		expect(rows()).toEqual([...before, { id: 'd', n: 4 }, { id: 'e', n: 5 }]);
	});

	it('reports PostgreSQL errors with their SQLSTATE', () => {
		try {
			db.prepare('INSERT INTO t (id, n) VALUES ($1, $2)').run('a', 1);
			expect.unreachable();
		} catch (error) {
			expect(error).toBeInstanceOf(PostgresError);
			expect((error as PostgresError).code).toBe('23505');
		}
	});

	it('refuses a promise-returning transaction and SQLite-only calls', () => {
		expect(() => db.transaction(async () => 1).immediate()).toThrow(/cannot return a promise/);
		expect(() => db.pragma('wal_checkpoint(TRUNCATE)')).toThrow(/SQLite's/);
	});

	describe('when the connection breaks (PostgreSQL restarted, a network cut)', () => {
		let admin: SyncPostgres;
		beforeAll(() => {
			admin = new SyncPostgres({ connectionString: TEST_DATABASE_URL as string });
		});
		afterAll(() => admin.close());

		const cut = () => {
			const { pid } = db.prepare('SELECT pg_backend_pid() AS pid').get() as { pid: number };
			admin.prepare('SELECT pg_terminate_backend($1)').get(pid);
		};
		// The worker hears of the closed socket between statements.
		const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

		it('reconnects for the next statement outside a transaction', async () => {
			cut();
			await settle();
			expect(db.prepare('SELECT count(*) AS c FROM t').get()).toEqual({ c: rows().length });
		});

		/**
		 * Ends the connection named `name` once it is running a statement, at least `afterMs`
		 * after the call: from another process, as an operator's pg_terminate_backend would. It
		 * waits for the statement rather than a fixed time, so a loaded machine cannot make it
		 * come after the statement ended.
		 */
		function terminateLater(name: string, afterMs: number) {
			const script = `
				const pg = require(${JSON.stringify(createRequire(import.meta.url).resolve('pg'))});
				const client = new pg.Client({ connectionString: process.env.URL });
				setTimeout(async () => {
					await client.connect();
					for (;;) {
						const { rowCount } = await client.query(
							\`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
							  WHERE application_name = $1 AND state = 'active' AND query LIKE '%pg_sleep%'\`,
							[process.env.NAME]
						);
						if (rowCount > 0) break;
						await new Promise((resolve) => setTimeout(resolve, 20));
					}
					await client.end();
				}, ${afterMs});`;
			return spawn(process.execPath, ['-e', script], {
				env: { ...process.env, URL: TEST_DATABASE_URL as string, NAME: name },
				stdio: 'ignore'
			});
		}

		/** A connection of its own, named so that terminateLater finds it and no other. */
		function victimConnection(what: string) {
			const name = `victim-${process.pid}-${what}`;
			const victim = new SyncPostgres({
				connectionString: schemaUrl(schema),
				application_name: name
			});
			return { name, victim };
		}

		it('sends a read cut off by the connection’s end once more, on a new connection', async () => {
			const { name, victim } = victimConnection('read');
			try {
				const { pid } = victim.prepare('SELECT pg_backend_pid() AS pid').get() as { pid: number };
				const killer = terminateLater(name, 150);
				// Killed during its sleep (57P01): a read, so sent again, and answered at once by the
				// new connection (only the first one sleeps until it is ended).
				const read = `SELECT 1 AS one FROM pg_sleep(CASE WHEN pg_backend_pid() = ${pid} THEN 10 ELSE 0 END)`;
				expect(victim.prepare(read).get()).toEqual({ one: 1 });
				await once(killer, 'exit');
			} finally {
				victim.close();
			}
		});

		it('never sends a write again when the connection ended under it', async () => {
			const { name, victim } = victimConnection('write');
			try {
				const killer = terminateLater(name, 150);
				expect(() =>
					// Long enough that only the termination ends it.
					victim.prepare(`INSERT INTO t (id, n) SELECT 'y2', 2 FROM pg_sleep(10)`).run()
				).toThrow(/terminat/);
				await once(killer, 'exit');
				expect(rows()).not.toContainEqual({ id: 'y2', n: 2 });
				// The next statement gets a new connection.
				expect(victim.prepare('SELECT 1 AS one').get()).toEqual({ one: 1 });
			} finally {
				victim.close();
			}
		});

		it('fails the rest of a transaction it broke, and commits none of it', () => {
			const before = rows();
			const insert = db.prepare('INSERT INTO t (id, n) VALUES ($1, $2)');
			expect(() =>
				db
					.transaction(() => {
						insert.run('x1', 1);
						cut();
						// This thread waits as a long statement would; the worker hears of the cut.
						Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
						// Nested, as each mutation of a push is: its failure must not be survivable.
						try {
							db.transaction(() => insert.run('x2', 2))();
						} catch {
							// a push records the refusal and goes on with the next mutation…
						}
						insert.run('x3', 3); // …which must fail too, not run on a new connection
					})
					.immediate()
			).toThrow(/lost during the transaction/);
			expect(db.inTransaction).toBe(false);
			expect(rows()).toEqual(before);
		});
	});

	it('fails to open with a message naming DATABASE_URL', () => {
		const url = new URL(TEST_DATABASE_URL as string);
		url.password = 'wrong password';
		expect(() => new SyncPostgres({ connectionString: url.toString() })).toThrow(
			/Cannot use the PostgreSQL database at DATABASE_URL: .*password/
		);
	});
});
