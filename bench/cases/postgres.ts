/**
 * #10 PostgreSQL past one machine (`--only=pg`; in the full run when PostgreSQL is reachable):
 * built servers (`node bin/beckon.js serve`) on one PostgreSQL database.
 *
 * - `requests.create` over HTTP with 1, 2 and 4 instances (32 connections spread over them),
 *   against raw `pg` inserts of the same rows from this process (a pool of 8) in the same run;
 * - `sync.pull` of 100,000 requests through one instance;
 * - a read-heavy mix (the list's first page and pull pages) on 2 instances against 1;
 * - poke latency across instances: a create on one, the poke on an agent's stream on the other;
 * - `/healthz` p99 on an instance while another session holds the write lock for 3 s and
 *   creates wait behind it.
 *
 * The database URL comes from bench/run.js (scripts/postgres.js finds or starts PostgreSQL).
 */
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createBeckon } from '../../src/server/app';
import { loadConfig } from '../../src/server/config';
import { addSession, addUser, makeDataDir, startBuiltServer } from '../lib/beckon';
import type { BenchOptions, BenchResult } from '../lib/result';
import { openPokes } from '../lib/sse';
import { median, percentile, round } from '../lib/stats';

const CONNECTIONS = 32;
const WRITE_LOCK_KEY = 7_346_251_902;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const CREATE_BODY = { recipientName: 'Load Test', comments: 'created by the benchmark' };

interface Instance {
	url: string;
	stop(): Promise<void>;
}

function startInstance(databaseUrl: string): Promise<Instance> {
	// Its data folder holds nothing: the data is in PostgreSQL.
	return startBuiltServer(makeDataDir(), { env: { DATABASE_URL: databaseUrl } });
}

/** Requests per second of `requests.create`, 32 connections spread over the instances. */
async function creates(instances: Instance[], cookie: string, seconds: number): Promise<number> {
	const per = Math.floor(CONNECTIONS / instances.length);
	const results = await Promise.all(
		instances.map((instance) =>
			autocannon({
				url: `${instance.url}/api/trpc/requests.create`,
				connections: per,
				duration: seconds,
				method: 'POST',
				headers: { 'content-type': 'application/json', cookie },
				body: JSON.stringify(CREATE_BODY)
			})
		)
	);
	for (const result of results) {
		if (result.non2xx > 0 || result.errors > 0) {
			throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors`);
		}
	}
	return results.reduce((sum, r) => sum + r.requests.average, 0);
}

/** Raw inserts of the same rows (what a create stores) from this process: the limit. */
async function rawInserts(pool: pg.Pool, userId: string, seconds: number): Promise<number> {
	const end = Date.now() + seconds * 1000;
	let count = 0;
	const worker = async () => {
		while (Date.now() < end) {
			const now = Date.now();
			await pool.query(
				`INSERT INTO bench_raw (id, recipient_name, recipient_email, send_email, email_language,
				 comments, expires_at, assignment_kind, assignee_id, status, created_by, created_at,
				 updated_at, status_changed_at, version)
				 VALUES ($1, $2, NULL, 0, 'en', $3, $4, 'agent', $5, 'open', $5, $6, $6, $6,
				 nextval('bench_raw_version'))`,
				[
					randomUUID(),
					CREATE_BODY.recipientName,
					CREATE_BODY.comments,
					now + 7 * 86_400_000,
					userId,
					now
				]
			);
			count++;
		}
	};
	await Promise.all(Array.from({ length: 8 }, worker));
	return count / seconds;
}

/** Requests per second of a read mix: the list's first page, and a pull page of 1,000. */
async function reads(instances: Instance[], cookie: string, seconds: number): Promise<number> {
	const per = Math.floor(16 / instances.length);
	const clientId = randomUUID();
	const list = `/api/trpc/requests.list?input=${encodeURIComponent(JSON.stringify({}))}`;
	const pull = `/api/trpc/sync.pull?input=${encodeURIComponent(JSON.stringify({ clientId, limit: 1000 }))}`;
	const results = await Promise.all(
		instances.map((instance) =>
			autocannon({
				url: instance.url,
				connections: per,
				duration: seconds,
				headers: { cookie },
				requests: [
					{ method: 'GET', path: list },
					{ method: 'GET', path: list },
					{ method: 'GET', path: list },
					{ method: 'GET', path: pull }
				]
			})
		)
	);
	for (const result of results) {
		if (result.non2xx > 0 || result.errors > 0) {
			throw new Error(`reads: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
		}
	}
	return results.reduce((sum, r) => sum + r.requests.average, 0);
}

export async function run({ quick }: BenchOptions): Promise<BenchResult> {
	const server = process.env.BECKON_BENCH_POSTGRES_URL;
	if (!server) throw new Error('BECKON_BENCH_POSTGRES_URL is not set (bench/run.js sets it)');
	const name = `beckon_bench_${process.pid}`;
	const admin = new pg.Client({ connectionString: server });
	await admin.connect();
	await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
	await admin.query(`CREATE DATABASE ${name}`);
	const url = new URL(server);
	url.pathname = `/${name}`;
	const databaseUrl = url.toString();

	const seconds = quick ? 3 : 8;
	const rounds = quick ? 1 : 3;
	const instances: Instance[] = [];
	const pool = new pg.Pool({ connectionString: databaseUrl, max: 8 });
	// An idle client ended under it (the database dropped at the end, after a failed step) must
	// not hide that step's error behind an unhandled 'error' event.
	pool.on('error', (error) => console.error(`pool: ${error.message}`));
	try {
		// The schema, an admin with a session, and the raw baseline's table of the same shape.
		const setup = createBeckon(
			loadConfig({ DATABASE_URL: databaseUrl, BECKON_DATA_DIR: makeDataDir(), PORT: '1' }),
			{ relay: false }
		);
		const user = await addUser(setup, 'admin@bench.test', 'admin');
		const cookie = addSession(setup, user.id);
		setup.close();
		await pool.query(`CREATE TABLE bench_raw (LIKE session_requests INCLUDING ALL)`);
		await pool.query(`CREATE SEQUENCE bench_raw_version`);

		for (let i = 0; i < 4; i++) instances.push(await startInstance(databaseUrl));

		// Warm-up, not counted.
		await creates(instances, cookie, 2);
		await rawInserts(pool, user.id, 2);
		const createRates: Record<number, number[]> = { 1: [], 2: [], 4: [] };
		const rawRates: number[] = [];
		for (let r = 0; r < rounds; r++) {
			rawRates.push(await rawInserts(pool, user.id, seconds));
			for (const n of [1, 2, 4])
				createRates[n].push(await creates(instances.slice(0, n), cookie, seconds));
		}
		const rate = (n: number) => round(median(createRates[n]));
		const raw = round(median(rawRates));
		const oneRatio = round(median(createRates[1].map((rate, i) => rate / rawRates[i])), 2);

		// 100,000 requests: those made above, and the rest copied from them in SQL.
		const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM session_requests');
		const missing = Math.max(0, 100_000 - Number(rows[0].n));
		if (missing > 0) {
			// Versions reserved from the counter, as the services take them.
			const reserved = await pool.query<{ value: string }>(
				`UPDATE counters SET value = value + $1 WHERE name = 'version' RETURNING value`,
				[missing]
			);
			const first = Number(reserved.rows[0].value) - missing;
			await pool.query(
				`INSERT INTO session_requests (id, recipient_name, recipient_email, send_email,
				 email_language, comments, expires_at, assignment_kind, assignee_id, status, created_by,
				 created_at, updated_at, status_changed_at, version)
				 SELECT gen_random_uuid()::text, 'Recipient ' || g, NULL, 0, 'en', 'seeded', $1, 'agent',
				 $2, 'open', $2, $3, $3, $3, $5::bigint + g
				 FROM generate_series(1, $4) AS g`,
				[Date.now() + 7 * 86_400_000, user.id, Date.now(), missing, first]
			);
		}
		const pullMs: number[] = [];
		for (let r = 0; r < rounds + 1; r++) {
			const clientId = randomUUID();
			let cursor: string | null = null;
			let pulled = 0;
			const start = performance.now();
			for (;;) {
				const input = encodeURIComponent(JSON.stringify({ clientId, cursor, limit: 5000 }));
				const answer = await fetch(`${instances[0].url}/api/trpc/sync.pull?input=${input}`, {
					headers: { cookie }
				});
				const page = (await answer.json()).result.data;
				pulled += page.changes.length;
				cursor = page.cursor;
				if (!page.more) break;
			}
			if (r > 0) pullMs.push(performance.now() - start);
			if (pulled < 100_000) throw new Error(`pulled ${pulled} of 100,000`);
		}

		const readRates: Record<number, number[]> = { 1: [], 2: [] };
		await reads(instances.slice(0, 2), cookie, 2);
		for (let r = 0; r < rounds; r++) {
			for (const n of [1, 2])
				readRates[n].push(await reads(instances.slice(0, n), cookie, seconds));
		}
		const readScale = round(median(readRates[2].map((rate, i) => rate / readRates[1][i])), 2);

		// Poke latency across instances: a create on instance 1, the poke on instance 2.
		const pokes = openPokes(instances[1].url, cookie);
		await pokes.connected;
		const pokeMs: number[] = [];
		for (let i = 0; i < (quick ? 20 : 60); i++) {
			await sleep(150);
			const start = performance.now();
			const waiting = pokes.nextPoke(5_000);
			await fetch(`${instances[0].url}/api/trpc/requests.create`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', cookie },
				body: JSON.stringify(CREATE_BODY)
			});
			await waiting;
			pokeMs.push(performance.now() - start);
		}
		pokes.close();

		// /healthz on instance 1 while another session holds the write lock for 3 s.
		const holder = await pool.connect();
		const healthMs: number[] = [];
		try {
			await holder.query(`BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY})`);
			const until = Date.now() + 3_000;
			const waiting = Array.from({ length: 4 }, () =>
				fetch(`${instances[0].url}/api/trpc/requests.create`, {
					method: 'POST',
					headers: { 'content-type': 'application/json', cookie },
					body: JSON.stringify(CREATE_BODY)
				})
			);
			while (Date.now() < until - 100) {
				const start = performance.now();
				await fetch(`${instances[0].url}/healthz`);
				healthMs.push(performance.now() - start);
				await sleep(20);
			}
			await holder.query('COMMIT');
			await Promise.all(waiting);
		} finally {
			holder.release();
		}

		const healthP99 = round(percentile(healthMs, 99));
		const pokeP50 = round(median(pokeMs));
		const pokeP95 = round(percentile(pokeMs, 95));
		const pullS = round(median(pullMs) / 1000);
		const met = oneRatio >= 0.3 && readScale >= 1.6 && healthP99 < 50;
		return {
			id: 10,
			name: 'PostgreSQL: instances on one database',
			figures: {
				create_1_req_per_s: rate(1),
				create_2_req_per_s: rate(2),
				create_4_req_per_s: rate(4),
				raw_pg_inserts_per_s: raw,
				one_instance_ratio: oneRatio,
				pull_100k_s: pullS,
				reads_1_req_per_s: round(median(readRates[1])),
				reads_2_req_per_s: round(median(readRates[2])),
				read_scale_2_over_1: readScale,
				poke_across_p50_ms: pokeP50,
				poke_across_p95_ms: pokeP95,
				healthz_p99_under_lock_ms: healthP99
			},
			inputs: {
				connections: CONNECTIONS,
				secondsPerRound: seconds,
				rounds,
				rawPool: 8,
				readConnections: 16,
				tool: 'autocannon 9.0.0',
				server: 'node bin/beckon.js serve, DATABASE_URL, cookie session'
			},
			target:
				'one instance ≥ 0.3 × raw pg; reads on 2 instances ≥ 1.6 × 1; healthz p99 < 50 ms under a held lock',
			met,
			summary:
				`create ${rate(1)}/${rate(2)}/${rate(4)} req/s on 1/2/4 vs raw ${raw}/s (${oneRatio}×); ` +
				`pull 100k ${pullS} s; reads 2/1 ${readScale}×; poke across p95 ${pokeP95} ms; ` +
				`healthz p99 ${healthP99} ms under lock`
		};
	} finally {
		for (const instance of instances) await instance.stop();
		await pool.end();
		await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
		await admin.end();
	}
}
