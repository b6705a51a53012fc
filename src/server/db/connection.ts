/**
 * The connection under drizzle, for statements in plain SQL: what Beckon uses of it, typed as it
 * is. better-sqlite3's `Database` has these calls; on PostgreSQL a `SyncPostgres` (./postgres.ts)
 * answers the same ones, and nothing SQLite-only (`backup`, `pragma`, user functions) is typed
 * here: code that needs those asks for the SQLite handle (`sqliteOf` in ./index.ts), which is
 * refused on PostgreSQL.
 */
export interface SqlRunResult {
	changes: number;
	lastInsertRowid: number | bigint;
}

export interface SqlStatement {
	/** Rows as arrays of column values. */
	raw(toggle?: boolean): this;
	/** Rows as their first column's value alone. */
	pluck(toggle?: boolean): this;
	run(...params: unknown[]): SqlRunResult;
	get(...params: unknown[]): unknown;
	all(...params: unknown[]): unknown[];
}

// better-sqlite3's own types for a transaction's function and its arguments, which TypeScript
// needs to see the same to accept its Database as a SqlConnection.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TransactionFunction = (...params: any[]) => unknown;
export type ArgumentTypes<F extends TransactionFunction> = F extends (...args: infer A) => unknown
	? A
	: never;

export interface SqlTransaction<F extends TransactionFunction> {
	(...params: ArgumentTypes<F>): ReturnType<F>;
	/** A write transaction (SQLite's BEGIN IMMEDIATE; the write lock on PostgreSQL). */
	immediate(...params: ArgumentTypes<F>): ReturnType<F>;
	/** A read transaction on one snapshot. */
	deferred(...params: ArgumentTypes<F>): ReturnType<F>;
	exclusive(...params: ArgumentTypes<F>): ReturnType<F>;
}

export interface SqlConnection {
	readonly inTransaction: boolean;
	prepare(sql: string): SqlStatement;
	exec(sql: string): this;
	transaction<F extends TransactionFunction>(fn: F): SqlTransaction<F>;
	close(): void;
}
