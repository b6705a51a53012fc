/**
 * Statements prepared once per database, for the paths that run them thousands of times (a push
 * batch, the expiry sweep). A drizzle query builder builds its SQL text and better-sqlite3
 * compiles it on every call, which costs several times what running a small statement does; a
 * query written with `sql.placeholder()` and `.prepare()` is built and compiled once, then only
 * bound and run.
 *
 *   const rowById = prepared((db) =>
 *     db.select().from(t).where(eq(t.id, sql.placeholder('id'))).prepare()
 *   );
 *   rowById(app.db).get({ id });
 */
import type { DB } from './index';

export function prepared<T>(build: (db: DB) => T): (db: DB) => T {
	// Keyed by the handle: a test's fresh database gets its own statements, a closed one's go.
	const statements = new WeakMap<DB, T>();
	return (db) => {
		let statement = statements.get(db);
		if (statement === undefined) {
			statement = build(db);
			statements.set(db, statement);
		}
		return statement;
	};
}
