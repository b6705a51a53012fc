/**
 * Statements in plain SQL, written for the database they run on: no text is rewritten on the
 * way. Most are the same on both databases but for their parameters, which SQLite marks `?` and
 * PostgreSQL numbers `$1 … $n`; a statement is written once with `param()` where each parameter
 * goes (called in the order the values are bound), and, where the databases differ otherwise,
 * it says what each one's is by `dialect`:
 *
 *   const byName = prepared((db) =>
 *     prepareSql(db, (param) => `SELECT value FROM server_keys WHERE name = ${param()}`)
 *   );
 *   byName(app.db).get(name);
 *
 * On SQLite the text is the one written before with `?`, byte for byte.
 */
import type { DB, Dialect } from './index';
import type { SqlConnection, SqlStatement } from './connection';
import { SyncPostgres } from './postgres';

/** Gives the next parameter's mark: `?` on SQLite, `$1`, `$2` … on PostgreSQL. */
export type Param = () => string;

/** A drizzle handle, or the connection under it (`db.$client`, `app.sqlite`). */
export type On = DB | SqlConnection;

const connectionOf = (on: On): SqlConnection => ('$client' in on ? on.$client : on);

/** Which database `on` is. */
export function dialectOf(on: On): Dialect {
	return connectionOf(on) instanceof SyncPostgres ? 'postgres' : 'sqlite';
}

/** The text `write` gives for the database `on` is, its parameters marked as that one marks them. */
export function sqlText(on: On, write: (param: Param, dialect: Dialect) => string): string {
	const dialect = dialectOf(on);
	let count = 0;
	const param: Param = dialect === 'postgres' ? () => `$${++count}` : () => '?';
	return write(param, dialect);
}

/** Prepares the statement `write` gives for the database `on` is (see sqlText). */
export function prepareSql(
	on: On,
	write: (param: Param, dialect: Dialect) => string
): SqlStatement {
	return connectionOf(on).prepare(sqlText(on, write));
}

/** `count` rows of `width` parameters for a multi-row `VALUES`: `(?, ?), (?, ?)` on SQLite. */
export function valueRows(param: Param, count: number, width: number): string {
	const row = () => `(${Array.from({ length: width }, () => param()).join(', ')})`;
	return Array.from({ length: count }, row).join(', ');
}
