/**
 * The migrations as an older release shipped them: a copy of `drizzle/` whose journals end at the
 * given migrations, for a test that opens a database with them (`BECKON_MIGRATIONS_DIR`), writes
 * rows as that release did, then lets the current migrations carry them forward.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Drops every migration after `last` from the journal of the migrations folder `folder`. */
function endJournalAt(folder: string, last: string) {
	const file = join(folder, 'meta/_journal.json');
	const journal = JSON.parse(readFileSync(file, 'utf8')) as { entries: { tag: string }[] };
	const at = journal.entries.findIndex((e) => e.tag === last);
	if (at < 0) throw new Error(`No migration ${last} in ${file}`);
	journal.entries = journal.entries.slice(0, at + 1);
	writeFileSync(file, JSON.stringify(journal));
}

/**
 * Copies the migrations into `dir` as they were when `sqlite` (and, when given, `postgres`) was
 * the newest migration of that database; returns `dir`.
 */
export function migrationsUpTo(dir: string, last: { sqlite: string; postgres?: string }): string {
	cpSync('drizzle', dir, { recursive: true });
	endJournalAt(dir, last.sqlite);
	if (last.postgres) endJournalAt(join(dir, 'postgres'), last.postgres);
	return dir;
}
