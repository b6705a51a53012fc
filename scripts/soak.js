// `npm run test:soak`: the long variants of the reliability tests (README, "Reliability and
// security"). The same test files as `npm test`, sized up by BECKON_SOAK=1: 25 SIGKILLs of the
// server under load, hundreds of random action sequences and tens of thousands of fuzzed API
// calls, 1,000 open poke streams with 200 mutations/s for 60 s, 10 backups taken under write
// load, and 1,000 changes by an agent whose network flips. Builds first, like `npm test`.
// Each runner's own output is the report; the last line says which stages passed.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureChromium } from './chromium.js';

process.chdir(fileURLToPath(new URL('..', import.meta.url)));
const env = { ...process.env, BECKON_SOAK: '1' };
const results = [];

function stage(name, cmd, args, extraEnv = {}) {
	console.log(`\n$ ${[cmd, ...args].join(' ')}`);
	const started = Date.now();
	const result = spawnSync(cmd, args, { stdio: 'inherit', env: { ...env, ...extraEnv } });
	const ok = result.status === 0;
	results.push(
		`${name} ${ok ? 'passed' : 'FAILED'} (${Math.round((Date.now() - started) / 1000)} s)`
	);
	return ok;
}

if (stage('build', 'npm', ['run', 'build', '--silent'])) {
	stage('reliability (vitest)', 'npx', ['--no', 'vitest', 'run', 'tests/reliability']);
	let chromium = null;
	try {
		chromium = ensureChromium();
	} catch (error) {
		console.error(error.message);
		results.push('chaos (playwright) FAILED: no Chromium');
	}
	if (chromium) {
		stage('chaos (playwright)', 'npx', ['--no', 'playwright', 'test', 'tests/e2e/chaos.e2e.ts'], {
			CHROMIUM_PATH: chromium
		});
	}
}
console.log(`\nsoak: ${results.join('; ')}`);
process.exitCode = results.every((r) => r.includes(' passed')) ? 0 : 1;
