/**
 * #5 The expiry sweep over 100,000 and 1,000,000 requests of which 10,000 are due: its cost must
 * follow the due count, not the table. Seeded with raw SQL; after each sweep the due rows are
 * put back to `open` so every round sweeps the same 10,000.
 */
import { expireDueRequests } from '../../src/server/jobs/expiry';
import { addUser, makeDataDir, openBeckon } from '../lib/beckon';
import { DAY, insertRequests, sampleRow } from '../lib/data';
import type { BenchOptions, BenchResult } from '../lib/result';
import { median, round } from '../lib/stats';
import type { SqlConnection } from '../../src/server/db/connection';
import { sqliteOf } from '../../src/server/db';
import { rmSync } from 'node:fs';

const DUE = 10_000;

/**
 * The limit: the same writes as the sweep (status, version and times of each due row, its event,
 * the version counter) with raw prepared statements, in the sweep's batches of 1,000.
 */
function rawExpiry(sqlite: SqlConnection) {
	const due = sqlite.prepare(
		`SELECT id, expires_at FROM session_requests
		 WHERE status IN ('open', 'waiting', 'ready') AND expires_at <= ? LIMIT 1000`
	);
	const update = sqlite.prepare(
		`UPDATE session_requests SET status = 'expired', updated_at = ?, status_changed_at = ?,
		 version = (SELECT value FROM counters WHERE name = 'version') WHERE id = ?`
	);
	const bump = sqlite.prepare(`UPDATE counters SET value = value + 1 WHERE name = 'version'`);
	const event = sqlite.prepare(
		`INSERT INTO request_events (request_id, type, actor, at, data) VALUES (?, 'expired', 'system', ?, ?)`
	);
	const batch = sqlite.transaction((now: number) => {
		const rows = due.all(now) as { id: string; expires_at: number }[];
		for (const row of rows) {
			bump.run();
			update.run(now, now, row.id);
			event.run(row.id, now, JSON.stringify({ expiresAt: new Date(row.expires_at).toISOString() }));
		}
		return rows.length;
	});
	return () => {
		const start = performance.now();
		while (batch.immediate(Date.now()) === 1000);
		return performance.now() - start;
	};
}

/** One seeded database of `size` requests, `DUE` of them due, and the two sweeps to time on it. */
async function seed(size: number, now: number) {
	const dataDir = makeDataDir();
	const app = openBeckon(dataDir);
	const agent = await addUser(app, 'agent@bench.test');
	const seedStart = performance.now();
	// Every hundredth row is due (expired an hour ago); the rest expire in 7 days.
	const every = size / DUE;
	insertRequests(
		app.sqlite,
		size,
		(i) =>
			sampleRow(i, {
				createdBy: agent.id,
				at: now - 8 * DAY,
				expiresAt: i % every === 0 ? now - 3_600_000 : now + 7 * DAY
			}),
		{ events: false }
	);
	sqliteOf(app.sqlite).pragma('wal_checkpoint(TRUNCATE)');
	const seconds = round((performance.now() - seedStart) / 1000);
	const rearm = app.sqlite.prepare(
		`UPDATE session_requests SET status = 'open' WHERE status = 'expired'`
	);
	const rawSweep = rawExpiry(app.sqlite);
	return {
		seconds,
		/** The sweep Beckon runs, then the raw one, each on the same 10,000 due rows. */
		round() {
			const start = performance.now();
			const expired = expireDueRequests(app);
			const ms = performance.now() - start;
			if (expired !== DUE) throw new Error(`expired ${expired}, expected ${DUE}`);
			rearm.run();
			const rawMs = rawSweep();
			rearm.run();
			return { ms, rawMs };
		},
		close() {
			app.close();
			rmSync(dataDir, { recursive: true, force: true });
		}
	};
}

export async function run({ quick }: BenchOptions): Promise<BenchResult> {
	const rounds = quick ? 3 : 7;
	const now = Date.now();
	// Both tables seeded first, then the rounds alternate between them, so each ratio compares
	// times taken moments apart on this shared machine.
	const small = await seed(100_000, now);
	const large = await seed(1_000_000, now);
	const times = { small: [] as number[], large: [] as number[], raw: [] as number[] };
	const ratios = { raw: [] as number[], growth: [] as number[] };
	try {
		for (let r = 0; r <= rounds; r++) {
			const a = small.round();
			const b = large.round();
			if (r === 0) continue; // warm-up
			times.small.push(a.ms);
			times.large.push(b.ms);
			times.raw.push(b.rawMs);
			ratios.raw.push(b.ms / b.rawMs);
			ratios.growth.push(b.ms / a.ms);
		}
	} finally {
		small.close();
		large.close();
	}
	const toRaw = round(median(ratios.raw), 2);
	const growth = round(median(ratios.growth), 2);
	const figures: BenchResult['figures'] = {
		'100k_ms': round(median(times.small)),
		'1000k_ms': round(median(times.large)),
		'1000k_raw_sql_ms': round(median(times.raw)),
		ratio_sweep_to_raw_sql: toRaw,
		growth_1m_over_100k: growth
	};
	return {
		id: 5,
		name: 'expiry sweep, 10,000 due',
		figures,
		inputs: {
			sizes: [100_000, 1_000_000],
			due: DUE,
			rounds,
			seedSeconds: [small.seconds, large.seconds]
		},
		target: '≤ 1.1× raw SQL doing the same writes; ≤ 1.5× the time for 10× the table',
		met: toRaw <= 1.1 && growth <= 1.5,
		summary: `1M: ${figures['1000k_ms']} ms, raw SQL ${figures['1000k_raw_sql_ms']} ms: ${toRaw}×; 100k: ${figures['100k_ms']} ms, ${growth}× for 10× the table`
	};
}
