/**
 * drizzle's SQLite dialect, writing PostgreSQL: the PostgreSQL handle's drizzle database is built
 * with it (./index.ts), so every statement drizzle builds reaches PostgreSQL as it was emitted,
 * never rewritten. The queries, the schema (sqlite-core) and the driver (better-sqlite3's, over
 * `SyncPostgres`) are the same on both databases; what drizzle writes differently for
 * PostgreSQL is here:
 *
 * - parameters are numbered, `$1 … $n` (SQLite's are `?`), in the order drizzle binds them;
 * - an `ON CONFLICT` target names its columns alone (`("user_id")`): PostgreSQL refuses the
 *   table-qualified `("t"."user_id")` the SQLite dialect writes there.
 *
 * The rest of what drizzle's SQLite dialect writes (double-quoted names, `on conflict do
 * nothing`, `returning`, `limit`/`offset`, `null` for a column a row leaves out) is PostgreSQL
 * as well.
 */
import { Column, SQL, entityKind, is, sql } from 'drizzle-orm';
import { SQLiteSyncDialect, type SQLiteInsertConfig } from 'drizzle-orm/sqlite-core';

export class PostgresDialect extends SQLiteSyncDialect {
	static override readonly [entityKind]: string = 'BeckonPostgresDialect';

	override escapeParam(num: number): string {
		return `$${num + 1}`;
	}

	override buildInsertQuery(config: SQLiteInsertConfig): SQL {
		return super.buildInsertQuery({ ...config, onConflict: config.onConflict?.map(bareTarget) });
	}
}

/**
 * An `on conflict (target) …` clause (drizzle's insert builder writes it as the string
 * ` on conflict `, then the target's SQL, holding its columns as an array) with the target's
 * columns named alone; a clause without a target (`on conflict do nothing`) as it is.
 */
function bareTarget(clause: SQL): SQL {
	const [head, target, ...rest] = clause.queryChunks;
	if (!is(target, SQL)) return clause;
	const bare = target.queryChunks.map((chunk) =>
		Array.isArray(chunk)
			? chunk.map((part: unknown) => (is(part, Column) ? sql.identifier(part.name) : part))
			: chunk
	);
	return new SQL([head, new SQL(bare), ...rest]);
}
