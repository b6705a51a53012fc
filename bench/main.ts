/**
 * One benchmark per process, so that none inherits another's heap, JIT state or open handles:
 * `node main.js <case> [--quick]` prints its result as one `BENCH_RESULT {json}` line.
 * bench/run.js bundles this file with esbuild and runs every case in turn.
 */
import type { BenchOptions, BenchResult } from './lib/result';

const CASES: Record<string, () => Promise<{ run(o: BenchOptions): Promise<BenchResult> }>> = {
	'http-create': () => import('./cases/http-create'),
	push: () => import('./cases/push'),
	pull: () => import('./cases/pull'),
	'dexie-apply': () => import('./cases/dexie-apply'),
	expiry: () => import('./cases/expiry'),
	'poke-latency': () => import('./cases/poke-latency'),
	'app-load': () => import('./cases/app-load'),
	'list-filter': () => import('./cases/list-filter'),
	memory: () => import('./cases/memory'),
	pg: () => import('./cases/postgres'),
	reports: () => import('./cases/reports'),
	'busy-queue': () => import('./cases/busy-queue'),
	'first-sync': () => import('./cases/first-sync'),
	lighthouse: () => import('./cases/lighthouse')
};

const [name, ...flags] = process.argv.slice(2);
if (name === 'bare-server') {
	const { serveBare } = await import('./cases/bare-server');
	await serveBare(flags[0], Number(flags[1]));
} else {
	const load = CASES[name];
	if (!load) {
		console.error(`unknown case ${name}; one of ${Object.keys(CASES).join(', ')}`);
		process.exit(2);
	}
	const result = await (await load()).run({ quick: flags.includes('--quick') });
	console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
	// Handles the case forgot (a keep-alive socket) must not keep the run waiting.
	process.exit(0);
}
