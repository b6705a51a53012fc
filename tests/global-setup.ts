/**
 * Runs once before all vitest files: the CLI and single-executable tests need a production
 * build. `npm test` builds in its own stage first; a bare `npx vitest run` builds here if none
 * exists. Tests never rebuild on their own, so they cannot race each other over build/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export default function setup() {
	if (existsSync('build/index.js') && existsSync('build/cli/cli.js')) return;
	const result = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
	if (result.status !== 0) throw new Error('npm run build failed: the CLI tests need a build');
}
