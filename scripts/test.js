// `npm test`: lint, type check, unit tests and (when configured) end-to-end tests.
// Every stage runs even after a failure, so one run reports everything, and the last line is
// always `N passed, N failed` for CI to read.
//
// BECKON_TEST_ONLY=unit (or a comma list of lint,check,build,unit,postgres,e2e) runs only those
// stages. The postgres stage runs the service, API, mail and multi-instance tests again with
// Beckon on PostgreSQL (see scripts/postgres.js for where that comes from).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureChromium } from './chromium.js';
import { ensurePostgres } from './postgres.js';

// Paths below are relative to the repository root, wherever this is started from.
process.chdir(fileURLToPath(new URL('..', import.meta.url)));

const STAGES = ['lint', 'check', 'build', 'unit', 'postgres', 'e2e'];
const only = process.env.BECKON_TEST_ONLY?.split(',').map((s) => s.trim());
const unknown = only?.filter((s) => !STAGES.includes(s)) ?? [];
if (unknown.length > 0) {
	console.error(`BECKON_TEST_ONLY: unknown stage ${unknown.join(', ')} (use ${STAGES.join(',')})`);
	process.exit(2);
}
const wanted = (stage) => !only || only.includes(stage);

const tmp = mkdtempSync(join(tmpdir(), 'beckon-test-'));
let passed = 0;
let failed = 0;

/** Runs a command with inherited output; true when it exits 0. */
function run(cmd, args, env = process.env) {
	console.log(`\n$ ${[cmd, ...args].join(' ')}`);
	const result = spawnSync(cmd, args, { stdio: 'inherit', env });
	if (result.error) console.error(result.error.message);
	return result.status === 0;
}

/** A command that counts as a single pass or failure. */
function suite(cmd, args) {
	const ok = run(cmd, args);
	if (ok) passed++;
	else failed++;
	return ok;
}

function readJson(file) {
	try {
		return JSON.parse(readFileSync(file, 'utf8'));
	} catch {
		return undefined;
	}
}

/**
 * Adds a runner's own counts. A non-zero exit with no failing test (no tests found, a crash,
 * an error outside any test) still counts as one failure so it cannot pass silently.
 */
function count(ok, pass = 0, fail = 0) {
	passed += pass;
	failed += fail > 0 || ok ? fail : 1;
}

if (wanted('lint')) suite('npm', ['run', 'lint']);
if (wanted('check')) suite('npm', ['run', 'check']);

// Built before the unit stage: the CLI tests run the built server as an operator would.
const built = wanted('build') ? suite('npm', ['run', 'build']) : true;

if (wanted('unit')) {
	const out = join(tmp, 'vitest.json');
	// --no: never download a missing runner, use the project's own.
	const args = ['run', '--reporter=default', '--reporter=json', `--outputFile=${out}`];
	const ok = run('npx', ['--no', 'vitest', ...args]);
	const report = readJson(out);
	count(ok, report?.numPassedTests, report?.numFailedTests);
}

/**
 * The tests that run on PostgreSQL too: the services, the API over HTTP, mail, several built
 * instances, the single executable, the property tests (devices against the server, lifecycle,
 * random input) and the attacks.
 */
const POSTGRES_SUITES = [
	'src/server',
	'tests/api',
	'tests/mail',
	'tests/multi-instance',
	'tests/binary',
	'tests/reliability/properties.spec.ts',
	'tests/reliability/attacks.spec.ts'
];

/** A new, empty database for this run, owned by the role at `url`; returns its URL. */
async function freshDatabase(url) {
	const { default: pg } = await import('pg');
	const name = 'beckon_test_run';
	const admin = new pg.Client({ connectionString: url });
	await admin.connect();
	try {
		await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
		await admin.query(`CREATE DATABASE ${name}`);
	} finally {
		await admin.end();
	}
	const database = new URL(url);
	database.pathname = `/${name}`;
	return database.toString();
}

if (wanted('postgres')) {
	const { url, reason } = ensurePostgres();
	if (!url) {
		console.log(`
Skipped the tests on PostgreSQL: ${reason}`);
		// In CI a missing PostgreSQL must not pass unnoticed.
		if (process.env.CI) failed++;
	} else {
		let database = null;
		try {
			database = await freshDatabase(url);
		} catch (error) {
			console.error(`PostgreSQL at ${new URL(url).host}: ${error.message}`);
			failed++;
		}
		if (database) {
			const out = join(tmp, 'vitest-postgres.json');
			const args = ['run', '--reporter=default', '--reporter=json', `--outputFile=${out}`];
			const env = { ...process.env, BECKON_TEST_DATABASE_URL: database };
			const ok = run('npx', ['--no', 'vitest', ...args, ...POSTGRES_SUITES], env);
			const report = readJson(out);
			count(ok, report?.numPassedTests, report?.numFailedTests);
		}
	}
}

if (wanted('e2e') && existsSync('playwright.config.ts')) {
	let chromium;
	try {
		chromium = ensureChromium();
	} catch (error) {
		console.error(error.message);
		failed++;
	}
	if (chromium && built) {
		const out = join(tmp, 'pw.json');
		const env = { ...process.env, CHROMIUM_PATH: chromium, PLAYWRIGHT_JSON_OUTPUT_NAME: out };
		const ok = run('npx', ['--no', 'playwright', 'test', '--reporter=list,json'], env);
		const stats = readJson(out)?.stats;
		// Flaky tests passed only on retry; they count as failures so they get fixed.
		count(ok, stats?.expected, stats && stats.unexpected + stats.flaky);
	}
}

rmSync(tmp, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
