// `npm run bench [-- --quick] [-- --only=push,pull or --only=2,3]`: builds what it needs, runs
// each benchmark in its own process, prints a table and writes bench/results/latest.json (and a
// dated copy beside it; the folder is git-ignored).
//
// Benchmarks report figures; they are not tests. A missed target is reported, not failed: the
// exit code is non-zero only when a benchmark could not run at all.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildIfNeeded } from '../bin/build-if-needed.js';
import { ensureChromium } from '../scripts/chromium.js';
import { ensurePostgres } from '../scripts/postgres.js';
import { runCase } from './lib/run-case.js';

process.chdir(fileURLToPath(new URL('..', import.meta.url)));

/** In issue 9's order; `browser` cases drive Debian's Chromium through Playwright. */
const CASES = [
	{ id: 1, name: 'http-create' },
	{ id: 2, name: 'push' },
	{ id: 3, name: 'pull' },
	{ id: 4, name: 'dexie-apply', browser: true },
	{ id: 5, name: 'expiry' },
	{ id: 6, name: 'poke-latency' },
	{ id: 7, name: 'app-load', browser: true },
	{ id: 8, name: 'list-filter', browser: true },
	{ id: 9, name: 'memory' },
	// PostgreSQL past one machine: when one is reachable (scripts/postgres.js).
	{ id: 10, name: 'pg', postgres: true },
	{ id: 11, name: 'reports' },
	{ id: 12, name: 'busy-queue' },
	{ id: 13, name: 'first-sync', browser: true },
	{ id: 14, name: 'lighthouse', browser: true }
];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args
	.find((a) => a.startsWith('--only='))
	?.slice('--only='.length)
	.split(',');
const selected = CASES.filter((c) => !only || only.includes(c.name) || only.includes(String(c.id)));
const RESULTS = 'bench/results';
const OUT = join(RESULTS, '.build');

function ensureBuilt() {
	const status = buildIfNeeded('.', 'Building Beckon (the benchmarks run the production build)…');
	if (status !== 0) throw new Error('npm run build failed');
}

function table(rows) {
	const header = ['#', 'what', 'figures (medians)', 'target', 'met'];
	const cells = rows.map((r) => [
		String(r.id),
		r.name,
		r.error ? `did not run: ${r.error}` : r.summary,
		r.target ?? '',
		r.met === true ? 'yes' : r.met === false ? 'NO' : '?'
	]);
	const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
	const line = (c) => c.map((v, i) => v.padEnd(widths[i])).join(' | ');
	return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(line)].join(
		'\n'
	);
}

const started = Date.now();
// Other work on the machine shows here; ratios hold under it, absolute times do not.
const loadAtStart = loadavg()[0];
mkdirSync(OUT, { recursive: true });
ensureBuilt();
if (selected.some((c) => c.browser)) ensureChromium();
// The cases import the server's TypeScript sources directly; packages stay in node_modules.
await build({
	entryPoints: ['bench/main.ts'],
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	packages: 'external',
	outfile: join(OUT, 'main.js'),
	logLevel: 'warning'
});

const results = [];
for (const c of selected) {
	console.log(`\n— ${c.id}. ${c.name}${quick ? ' (quick)' : ''}`);
	if (c.postgres) {
		const { url, reason } = ensurePostgres();
		if (!url) {
			console.log(`   skipped: ${reason}`);
			results.push({ id: c.id, name: c.name, error: `skipped: ${reason}`, skipped: true });
			continue;
		}
		process.env.BECKON_BENCH_POSTGRES_URL = url;
	}
	const caseStart = Date.now();
	// In its own process group, killed with whatever it started at the timeout (lib/run-case.js).
	const result = await runCase([join(OUT, 'main.js'), c.name, ...(quick ? ['--quick'] : [])], {
		timeoutMs: quick ? 150_000 : 900_000
	});
	const seconds = Math.round((Date.now() - caseStart) / 100) / 10;
	results.push({ ...result, id: c.id, name: result.name ?? c.name, seconds });
	console.log(result.error ? `   failed: ${result.error}` : `   ${result.summary} (${seconds} s)`);
}

const report = {
	mode: quick ? 'quick' : 'full',
	startedAt: new Date(started).toISOString(),
	durationSeconds: Math.round((Date.now() - started) / 1000),
	machine: {
		cpus: cpus().length,
		cpuModel: cpus()[0]?.model ?? 'unknown',
		memoryGb: Math.round(totalmem() / 2 ** 30),
		node: process.version,
		os: `${process.platform} ${release()}`,
		loadAverage1m: { start: loadAtStart, end: loadavg()[0] }
	},
	results
};
const json = JSON.stringify(report, null, '\t') + '\n';
writeFileSync(join(RESULTS, 'latest.json'), json);
// Kept beside it (git-ignored) so that a run can be compared with earlier ones.
writeFileSync(join(RESULTS, `${report.mode}-${report.startedAt.replace(/[:.]/g, '-')}.json`), json);
console.log(`\n${table(results)}\n`);
console.log(
	`${report.mode} run, ${report.durationSeconds} s, ${report.machine.cpus} cores, Node ${process.version}, ` +
		`load average ${loadAtStart.toFixed(1)} → ${loadavg()[0].toFixed(1)}; written to ${RESULTS}/latest.json`
);
process.exit(results.some((r) => r.error && !r.skipped) ? 1 : 0);
