// `npm run db:generate`: after a change to src/server/db/schema.ts, writes the next migration of
// both databases with drizzle-kit — SQLite's into drizzle/ (drizzle.config.ts), PostgreSQL's into
// drizzle/postgres/ (drizzle.postgres.config.ts, whose tables schema-postgres.ts derives from the
// same schema). Arguments go to both runs (e.g. `npm run db:generate -- --name user_language`).
//
// drizzle-kit names the referenced table of a PostgreSQL foreign key with its schema
// (`REFERENCES "public"."users"`); Beckon's tables live in the schema DATABASE_URL's search_path
// names, which need not be `public`, so that qualifier is dropped from the files it wrote.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
for (const config of ['drizzle.config.ts', 'drizzle.postgres.config.ts']) {
	const run = spawnSync('npx', ['--no', 'drizzle-kit', 'generate', '--config', config, ...args], {
		stdio: 'inherit'
	});
	if (run.status !== 0) process.exit(run.status ?? 1);
}

const folder = 'drizzle/postgres';
for (const file of readdirSync(folder).filter((name) => name.endsWith('.sql'))) {
	const path = join(folder, file);
	const text = readFileSync(path, 'utf8');
	const unqualified = text.replaceAll('REFERENCES "public".', 'REFERENCES ');
	if (unqualified !== text) writeFileSync(path, unqualified);
}
