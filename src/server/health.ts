/** Liveness and readiness, for process supervisors and load balancers. */
import type { Beckon } from './app';
import { migrationTags } from './db';
import { log } from './log';

export interface Readiness {
	ready: boolean;
	checks: { database: 'ok' | string; migrations: 'ok' | string };
}

/** Ready when the database answers and every migration this build ships has been applied. */
export function readiness(app: Beckon | null): Readiness {
	if (!app) return { ready: false, checks: { database: 'not started', migrations: 'unknown' } };
	// On PostgreSQL, from the HTTP thread: what the database thread last saw (no waiting here).
	if (app.thread) return app.thread.readiness();
	let database = 'ok';
	let migrations = 'ok';
	try {
		app.sqlite.prepare('SELECT 1').get();
		const tags = migrationTags(app.dialect);
		// SQLite's rows are drizzle's (by hash); PostgreSQL's are by tag, and an adopted database
		// also holds the hand-written history's (db/postgres-migrate.ts), which count for nothing.
		const applied =
			app.dialect === 'postgres'
				? (
						app.sqlite.prepare('SELECT hash FROM __drizzle_migrations').all() as { hash: string }[]
					).filter((row) => tags.includes(row.hash)).length
				: (
						app.sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as {
							n: number;
						}
					).n;
		const expected = tags.length;
		if (applied < expected) migrations = `${applied} of ${expected} applied`;
	} catch (error) {
		// The reason goes to the log only: the answer is public, and a driver's message can name
		// hosts, users, files or SQL.
		log.warn({ err: error }, 'readiness: the database does not answer');
		database = 'unavailable';
		migrations = 'unknown';
	}
	return { ready: database === 'ok' && migrations === 'ok', checks: { database, migrations } };
}
