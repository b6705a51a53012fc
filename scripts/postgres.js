// Finds a PostgreSQL for the tests that run Beckon on it (`npm test` runs the service, API, mail
// and multi-instance tests a second time there). Like Chromium, it comes from Debian's packages:
// as root, `postgresql` is installed if missing, its cluster started and a role made for the
// tests; otherwise BECKON_TEST_POSTGRES_URL names one, or the tests on PostgreSQL are skipped
// with the command that would enable them.
//
//   node scripts/postgres.js        prints the URL (starting and installing what it must)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { aptInstall } from './apt.js';

const ROLE = 'beckon_test';
const HINT =
	'PostgreSQL not found: run as root (npm test installs and starts Debian’s postgresql), or ' +
	'set BECKON_TEST_POSTGRES_URL=postgres://user:password@127.0.0.1:5432/postgres ' +
	'for a role that may create databases';

function sh(cmd, args, options = {}) {
	const result = spawnSync(cmd, args, { encoding: 'utf8', ...options });
	if (result.error) return { ok: false, out: '', err: result.error.message };
	return { ok: result.status === 0, out: result.stdout ?? '', err: result.stderr ?? '' };
}

/** The first cluster Debian knows of: {version, name, port, status}, or null. */
function cluster() {
	const listed = sh('pg_lsclusters', ['--no-header']);
	if (!listed.ok) return null;
	const [line] = listed.out.trim().split('\n').filter(Boolean);
	if (!line) return null;
	const [version, name, port, status] = line.trim().split(/\s+/);
	return { version, name, port: Number(port), status };
}

function psql(sql) {
	return sh('su', ['postgres', '-c', `psql -v ON_ERROR_STOP=1 -qAt -c "${sql}"`]);
}

/**
 * Returns a URL of a PostgreSQL role that may create databases, or null (with `reason`) when
 * none can be had here.
 * @returns {{ url: string | null, reason?: string }}
 */
export function ensurePostgres() {
	if (process.env.BECKON_TEST_POSTGRES_URL) return { url: process.env.BECKON_TEST_POSTGRES_URL };
	if (process.getuid?.() !== 0) return { url: null, reason: HINT };
	let found = cluster();
	if (!found) {
		aptInstall('postgresql');
		found = cluster();
		if (!found) return { url: null, reason: HINT };
	}
	if (found.status !== 'online') {
		const started = sh('pg_ctlcluster', [found.version, found.name, 'start']);
		if (!started.ok && cluster()?.status !== 'online') {
			return { url: null, reason: `pg_ctlcluster could not start PostgreSQL: ${started.err}` };
		}
	}
	const exists = psql(`SELECT 1 FROM pg_roles WHERE rolname = '${ROLE}'`);
	if (!exists.ok) return { url: null, reason: `psql failed: ${exists.err}` };
	if (exists.out.trim() !== '1') {
		const made = psql(`CREATE ROLE ${ROLE} LOGIN CREATEDB PASSWORD '${ROLE}'`);
		if (!made.ok) return { url: null, reason: `could not create the test role: ${made.err}` };
	}
	return { url: `postgres://${ROLE}:${ROLE}@127.0.0.1:${found.port}/postgres` };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const { url, reason } = ensurePostgres();
	if (!url) {
		console.error(reason);
		process.exit(1);
	}
	console.log(url);
}
