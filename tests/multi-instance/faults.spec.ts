/**
 * A built server on PostgreSQL when the database misbehaves: a lock held elsewhere, PostgreSQL
 * going away (refused, or a network that stalls) and coming back, its connection ended in the
 * middle of a push. The server keeps serving what needs no database, answers what does with
 * SERVICE_UNAVAILABLE rather than hanging, says so on /readyz, recovers by itself, and a device's
 * retried push lands exactly once.
 *
 * Runs when a PostgreSQL is available (BECKON_TEST_DATABASE_URL); skipped otherwise.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SyncPostgres } from '../../src/server/db/postgres';
import { ApiError } from '../support/client';
import { freshSchema, schemaUrl, TEST_DATABASE_URL } from '../support/database';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { startWithAdmin } from '../reliability/support/built-server';

/** The write lock every write transaction takes (db/postgres.ts). */
const WRITE_LOCK_KEY = 7_346_251_902;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
	const started = performance.now();
	const value = await work();
	return { ms: performance.now() - started, value };
}

async function readyStatus(url: string): Promise<number> {
	return (await fetch(`${url}/readyz`)).status;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number) {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
		await sleep(100);
	}
}

/** A device's offline creates, as its outbox sends them: one push of `count`, ids from `first`. */
function outbox(count: number, first = 1) {
	return Array.from({ length: count }, (_, i) => ({
		id: first + i,
		name: 'createRequest' as const,
		args: {
			id: randomUUID(),
			recipientName: `Queued ${first + i}`,
			recipientEmail: `queued-${first + i}@example.com`
		}
	}));
}

describe.skipIf(!TEST_DATABASE_URL)('a server on PostgreSQL when the database misbehaves', () => {
	const cleanups: Array<() => Promise<void> | void> = [];
	afterEach(async () => {
		for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
	});
	let inspector: SyncPostgres | null = null;
	afterAll(() => inspector?.close());

	/** A built server on a fresh schema (through `proxy` if given), and a connection to check rows. */
	async function setUp(options: { proxy?: TcpProxy; env?: Record<string, string> } = {}) {
		const direct = schemaUrl(freshSchema());
		const db = new SyncPostgres({ connectionString: direct });
		cleanups.push(() => db.close());
		const dataDir = mkdtempSync(join(tmpdir(), 'beckon-faults-'));
		cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
		const url = options.proxy ? options.proxy.through(direct) : direct;
		const { server, admin } = await startWithAdmin({
			dataDir,
			env: { DATABASE_URL: url, ...options.env }
		});
		cleanups.push(() => server.kill());
		return { db, server, admin };
	}

	const countRequests = (db: SyncPostgres, prefix: string) =>
		(
			db
				.prepare(`SELECT count(*) AS n FROM session_requests WHERE recipient_name ILIKE $1`)
				.get(`${prefix}%`) as { n: number }
		).n;

	it('keeps answering /healthz and SSE pings while its writes wait behind a lock held elsewhere', async () => {
		const { db, server, admin } = await setUp({ env: { BECKON_SSE_PING: '1s' } });
		// A poke stream, timing each ping as it arrives.
		const pings: number[] = [];
		const stream = new AbortController();
		cleanups.push(() => stream.abort());
		const response = await fetch(`${server.url}/api/trpc/sync.poke`, {
			headers: { cookie: admin.cookie!, accept: 'text/event-stream' },
			signal: stream.signal
		});
		expect(response.status).toBe(200);
		void (async () => {
			const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
			for (;;) {
				const { value, done } = await reader.read();
				if (done) return;
				if (value.includes('event: ping')) pings.push(performance.now());
			}
		})().catch(() => {});

		// Another connection takes the write lock and keeps it for 4 s.
		const holder = new SyncPostgres({ connectionString: TEST_DATABASE_URL! });
		cleanups.push(() => holder.close());
		const held = (async () => {
			await sleep(0);
			holder.exec(`BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY})`);
		})();
		await held;
		const lockedAt = performance.now();
		const releasing = sleep(4_000).then(() => holder.exec('COMMIT'));

		// Writes wait for it…
		const creates = Array.from({ length: 3 }, (_, i) =>
			timed(() => admin.mutate('requests.create', { recipientName: `Behind the lock ${i}` }))
		);
		// …while liveness is answered at once, every 50 ms.
		const healthz: number[] = [];
		while (performance.now() - lockedAt < 3_800) {
			const { ms, value } = await timed(() => fetch(`${server.url}/healthz`));
			expect(value.status).toBe(200);
			healthz.push(ms);
			await sleep(50);
		}
		await releasing;
		const done = await Promise.all(creates);
		expect(done.map(({ value }) => value.recipientName).sort()).toEqual([
			'Behind the lock 0',
			'Behind the lock 1',
			'Behind the lock 2'
		]);
		// They did wait for the lock: they were not answered before it was released.
		for (const { ms } of done) expect(ms).toBeGreaterThan(3_000);
		expect(countRequests(db, 'Behind the lock')).toBe(3);

		expect(healthz.length).toBeGreaterThan(40);
		expect(percentile(healthz, 99)).toBeLessThan(100);
		// A ping a second all along, none held back by the lock.
		const during = pings.filter((at) => at > lockedAt && at < lockedAt + 4_000);
		expect(during.length).toBeGreaterThanOrEqual(3);
		const gaps = pings.slice(1).map((at, i) => at - pings[i]);
		expect(percentile(gaps, 99)).toBeLessThan(1_000 + 100);
	}, 60_000);

	for (const outage of ['refused', 'stalled'] as const) {
		it(`says it is not ready while PostgreSQL is ${outage}, fails calls fast, then recovers and a retried push lands once`, async () => {
			const proxy = await startTcpProxy({
				host: new URL(TEST_DATABASE_URL!).hostname,
				port: Number(new URL(TEST_DATABASE_URL!).port || 5432)
			});
			cleanups.push(() => proxy.close());
			const { db, server, admin } = await setUp({
				proxy,
				// Short limits, so that a stalled network is noticed within the test.
				env: {
					BECKON_PG_CONNECT_TIMEOUT: '1s',
					BECKON_PG_STATEMENT_TIMEOUT: '2s',
					BECKON_PG_LOCK_TIMEOUT: '2s',
					BECKON_PG_KEEPALIVE: '1s'
				}
			});
			const clientId = randomUUID();
			const before = await admin.mutate('sync.push', { clientId, mutations: outbox(3, 1) });
			expect(before.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, true, true]);
			expect(await readyStatus(server.url)).toBe(200);

			if (outage === 'refused') proxy.refuse();
			else proxy.stall();
			await until(
				'readyz answers 503',
				async () => (await readyStatus(server.url)) === 503,
				15_000
			);

			// The device's next pushes fail with a code that says "try again": the first within the
			// timeouts (a stalled network is only noticed by one: 2 s + the client's 2 s), then at
			// once. /healthz is unaffected. Its outbox keeps the mutations.
			const queued = outbox(5, 4);
			const attempt = () =>
				timed(() =>
					admin.mutate('sync.push', { clientId, mutations: queued }).then(
						() => null,
						(error: unknown) => error
					)
				);
			for (const limitMs of [outage === 'refused' ? 1_000 : 5_000, 1_000]) {
				const { ms, value: refusal } = await attempt();
				expect(refusal).toBeInstanceOf(ApiError);
				expect((refusal as ApiError).code).toBe('SERVICE_UNAVAILABLE');
				expect((refusal as ApiError).status).toBe(503);
				expect(ms).toBeLessThan(limitMs);
			}
			expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
			expect(await readyStatus(server.url)).toBe(503);

			await sleep(3_000);
			proxy.restore();
			await until(
				'readyz answers 200',
				async () => (await readyStatus(server.url)) === 200,
				20_000
			);

			// The device retries with backoff until the push goes through.
			let results: { id: number; ok: boolean }[] | null = null;
			for (let attempt = 0; !results && attempt < 20; attempt++) {
				try {
					({ results } = await admin.mutate('sync.push', { clientId, mutations: queued }));
				} catch (error) {
					expect((error as ApiError).code).toBe('SERVICE_UNAVAILABLE');
					await sleep(250 * 2 ** Math.min(attempt, 3));
				}
			}
			expect(results!.map((r) => [r.id, r.ok])).toEqual(queued.map((m) => [m.id, true]));
			// Sent once more (its answer lost, say): nothing is applied twice.
			await admin.mutate('sync.push', { clientId, mutations: queued });
			expect(countRequests(db, 'Queued')).toBe(8);
			const pulled = await admin.query('sync.pull', { clientId });
			expect(pulled.lastMutationId).toBe(8);
			// Everything else works again: a direct create, a list.
			await admin.mutate('requests.create', { recipientName: 'After the outage' });
			const listed = await admin.query('requests.list', {});
			expect(listed.items.map((r: { recipientName: string }) => r.recipientName)).toContain(
				'After the outage'
			);
		}, 90_000);
	}

	it('fails a push whose connection is ended mid-way cleanly, and its retry applies once', async () => {
		const { db, server, admin } = await setUp();
		inspector ??= new SyncPostgres({ connectionString: TEST_DATABASE_URL! });
		const watcher = inspector;
		// Each row written takes a moment, so the push is caught while it writes.
		db.exec(`CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS
			$$ BEGIN PERFORM pg_sleep(0.004); RETURN NEW; END $$;
			CREATE TRIGGER slow_insert BEFORE INSERT ON session_requests
			FOR EACH ROW EXECUTE FUNCTION slow_insert()`);
		const clientId = randomUUID();
		const queued = outbox(500, 1);
		const pushing = admin.mutate('sync.push', { clientId, mutations: queued }).then(
			() => null,
			(error: unknown) => error
		);
		// Ends the server's database connection once it is inside the push's transaction, writing.
		let killed = false;
		for (let i = 0; i < 2_000 && !killed; i++) {
			const victim = watcher
				.prepare(
					`SELECT pid FROM pg_stat_activity
					 WHERE application_name = 'beckon' AND state = 'active'
					   AND query ILIKE 'insert into%session_requests%'`
				)
				.pluck()
				.get() as number | undefined;
			if (victim !== undefined) {
				watcher.prepare('SELECT pg_terminate_backend($1)').get(victim);
				killed = true;
			} else await sleep(2);
		}
		expect(killed).toBe(true);
		const failure = await pushing;
		expect(failure).toBeInstanceOf(ApiError);
		expect((failure as ApiError).code).toBe('SERVICE_UNAVAILABLE');
		// Nothing of the push was committed.
		expect(countRequests(db, 'Queued')).toBe(0);
		expect(await readyStatus(server.url)).toBe(200);

		db.exec('DROP TRIGGER slow_insert ON session_requests');
		const retried = await admin.mutate('sync.push', { clientId, mutations: queued });
		expect(retried.results.filter((r: { ok: boolean }) => r.ok)).toHaveLength(500);
		await admin.mutate('sync.push', { clientId, mutations: queued });
		expect(countRequests(db, 'Queued')).toBe(500);
	}, 60_000);
});
