#!/usr/bin/env node
// The `beckon` command. Loads the built CLI (building first when run from a source checkout
// whose build is missing or older than the sources), then runs the command.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cliFile = join(root, 'build', 'cli', 'cli.js');
const svelteKitHandler = join(root, 'build', 'handler.js');

/** Newest modification time under the given paths (files or folders). */
function newest(paths) {
	let latest = 0;
	for (const path of paths) {
		if (!existsSync(path)) continue;
		const stat = statSync(path);
		if (stat.isDirectory()) {
			latest = Math.max(latest, newest(readdirSync(path).map((name) => join(path, name))));
		} else latest = Math.max(latest, stat.mtimeMs);
	}
	return latest;
}

function buildIfNeeded() {
	// Tests run against the build they were given, never one made behind their back.
	if (process.env.BECKON_NO_AUTOBUILD) return;
	const sources = [
		'src',
		'static',
		'drizzle',
		'svelte.config.js',
		'vite.config.ts',
		'package.json'
	];
	if (!existsSync(join(root, 'src'))) return; // an installed package ships its build
	const built = existsSync(cliFile) && existsSync(svelteKitHandler) ? statSync(cliFile).mtimeMs : 0;
	if (built >= newest(sources.map((s) => join(root, s)))) return;
	console.log('Building Beckon (first start or changed sources)…');
	const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
	if (result.status !== 0) process.exit(result.status ?? 1);
}

const command = process.argv[2] ?? 'serve';
if (command === 'serve' || command === 'start') buildIfNeeded();
else if (!existsSync(cliFile)) buildIfNeeded();

// Built servers read migrations from the package, wherever they are started from.
process.env.BECKON_MIGRATIONS_DIR ??= join(root, 'drizzle');

const { main } = await import(pathToFileURL(cliFile).href);
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const code = await main(process.argv.slice(2), {
	version,
	// adapter-node's handler; the CLI's own HTTP server (src/server/http/server.ts) runs it.
	loadSvelteKit: async () => (await import(pathToFileURL(svelteKitHandler).href)).handler
});
if (code !== 0) process.exit(code);
