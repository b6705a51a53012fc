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

export async function run({ quick }: BenchOptions): Promise<BenchResult> {
	const sizes = [100_000, 1_000_000];
	const rounds = quick ? 3 : 7;
	const figures: BenchResult['figures'] = {};
	const seedSeconds: number[] = [];
	for (const size of sizes) {
		const dataDir = makeDataDir();
		const now = Date.now();
		const app = openBeckon(dataDir);
		try {
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
			seedSeconds.push(round((performance.now() - seedStart) / 1000));
			const rearm = app.sqlite.prepare(
				`UPDATE session_requests SET status = 'open' WHERE status = 'expired'`
			);
			const rawSweep = rawExpiry(app.sqlite);
			const times: number[] = [];
			const rawTimes: number[] = [];
			for (let r = 0; r <= rounds; r++) {
				const start = performance.now();
				const expired = expireDueRequests(app);
				const ms = performance.now() - start;
				if (expired !== DUE) throw new Error(`expired ${expired}, expected ${DUE}`);
				rearm.run();
				const rawMs = rawSweep();
				rearm.run();
				if (r > 0) {
					times.push(ms);
					rawTimes.push(rawMs);
				}
			}
			const k = `${size / 1000}k`;
			figures[`${k}_ms`] = round(median(times));
			figures[`${k}_raw_sql_ms`] = round(median(rawTimes));
			figures[`${k}_ratio_raw_to_sweep`] = round(median(rawTimes.map((ms, i) => ms / times[i])), 2);
		} finally {
			app.close();
			rmSync(dataDir, { recursive: true, force: true });
		}
	}
	const small = figures['100k_ms'] as number;
	const large = figures['1000k_ms'] as number;
	const growth = round(large / small, 2);
	figures.growth_1m_over_100k = growth;
	return {
		id: 5,
		name: 'expiry sweep, 10,000 due',
		figures,
		inputs: { sizes, due: DUE, rounds, seedSeconds },
		target: '< 500 ms with 1,000,000 requests, independent of the not-due count',
		// "Independent": within noise, so the 10× larger table may cost at most 1.5× as much.
		met: large < 500 && growth < 1.5,
		summary: `100k: ${small} ms; 1M: ${large} ms (${growth}× for 10× the table); raw SQL ${figures['1000k_raw_sql_ms']} ms (${figures['1000k_ratio_raw_to_sweep']}×)`
	};
}
