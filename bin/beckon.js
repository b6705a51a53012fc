#!/usr/bin/env node
// The `beckon` command. Loads the built CLI (building first when run from a source checkout
// whose build is missing or older than the sources), then runs the command.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildIfNeeded } from './build-if-needed.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cliFile = join(root, 'build', 'cli', 'cli.js');
const svelteKitHandler = join(root, 'build', 'handler.js');

function buildIfNeededHere() {
	// Tests run against the build they were given, never one made behind their back.
	if (process.env.BECKON_NO_AUTOBUILD) return;
	const status = buildIfNeeded(root, 'Building Beckon (first start or changed sources)…');
	if (status !== 0) process.exit(status);
}

const command = process.argv[2] ?? 'serve';
if (command === 'serve' || command === 'start') buildIfNeededHere();
else if (!existsSync(cliFile)) buildIfNeededHere();

// Built servers read migrations from the package, wherever they are started from.
process.env.BECKON_MIGRATIONS_DIR ??= join(root, 'drizzle');

const { main } = await import(pathToFileURL(cliFile).href);
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const code = await main(process.argv.slice(2), {
	version,
	// adapter-node's handler; the CLI's own HTTP server (src/server/http/server.ts) runs it.
	loadSvelteKit: async () => (await import(pathToFileURL(svelteKitHandler).href)).handler,
	// On PostgreSQL the server's database thread runs this module (see src/server/db-thread).
	entry: pathToFileURL(cliFile)
});
if (code !== 0) process.exit(code);
