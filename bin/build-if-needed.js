// Whether a source checkout's build is missing or older than its sources, and the build that
// fixes it: used by `beckon serve` (bin/beckon.js) and by the benchmarks (bench/run.js).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SOURCES = [
	'src',
	'static',
	'drizzle',
	'svelte.config.js',
	'vite.config.ts',
	// The Vite plugin that splits the messages by language.
	'scripts/locale-messages-plugin.js',
	'package.json'
];

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

/**
 * Builds the checkout at `root` (`npm run build`) when its build is missing or older than its
 * sources, saying why with `reason`; an installed package (no `src`) ships its build.
 * @param {string} root
 * @param {string} reason
 * @returns {number} 0 when the build is current (or was made), else the build's exit code
 */
export function buildIfNeeded(root, reason) {
	if (!existsSync(join(root, 'src'))) return 0;
	const cliFile = join(root, 'build', 'cli', 'cli.js');
	const built =
		existsSync(cliFile) && existsSync(join(root, 'build', 'handler.js'))
			? statSync(cliFile).mtimeMs
			: 0;
	if (built >= newest(SOURCES.map((s) => join(root, s)))) return 0;
	console.log(reason);
	return (
		spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' }).status ?? 1
	);
}
