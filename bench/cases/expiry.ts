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
 * The limit: the same writes as the sweep with raw prepared statements, in its batches of 1,000:
 * each due row's status, times and version (the batch's versions taken from the counter in one
 * step, as the sweep takes them), its event, and the deletion of the report's day summaries of
 * the days the rows were created in (services/report-days.ts), one statement per UTC day. It
 * reads the three columns it needs where the sweep reads whole rows (the write path returns
 * them, and pokes, mail and webhooks use them), and has no version guard.
 */
export function rawExpiry(sqlite: SqlConnection) {
	const due = sqlite.prepare(
		`SELECT id, expires_at, created_at FROM session_requests
		 WHERE status IN ('open', 'waiting', 'ready') AND expires_at <= ? LIMIT 1000`
	);
	const versions = sqlite.prepare(
		`UPDATE counters SET value = value + ? WHERE name = 'version' RETURNING value`
	);
	const update = sqlite.prepare(
		`UPDATE session_requests SET status = 'expired', updated_at = ?, status_changed_at = ?,
		 version = ? WHERE id = ?`
	);
	const event = sqlite.prepare(
		`INSERT INTO request_events (request_id, type, actor, at, data) VALUES (?, 'expired', 'system', ?, ?)`
	);
	const forgetDays = sqlite.prepare(`DELETE FROM report_days WHERE start_ms > ? AND start_ms <= ?`);
	const batch = sqlite.transaction((now: number) => {
		const rows = due.all(now) as { id: string; expires_at: number; created_at: number }[];
		if (rows.length === 0) return 0;
		let version = (versions.get(rows.length) as { value: number }).value - rows.length;
		const days = new Map<number, [number, number]>();
		for (const row of rows) {
			update.run(now, now, ++version, row.id);
			event.run(row.id, now, JSON.stringify({ expiresAt: new Date(row.expires_at).toISOString() }));
			const day = Math.floor(row.created_at / DAY);
			const span = days.get(day);
			if (!span) days.set(day, [row.created_at, row.created_at]);
			else {
				span[0] = Math.min(span[0], row.created_at);
				span[1] = Math.max(span[1], row.created_at);
			}
		}
		for (const [earliest, latest] of days.values()) forgetDays.run(earliest - DAY, latest);
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
		/**
		 * The sweep Beckon runs and the raw one, each on the same 10,000 due rows. Whichever runs
		 * second finds the pages of those rows just read by the first, so the order alternates
		 * (it was the sweep first every time); the sweep goes first in the odd rounds, so in four
		 * of the seven measured.
		 */
		round(r: number) {
			const sweep = () => {
				const start = performance.now();
				const expired = expireDueRequests(app);
				const ms = performance.now() - start;
				if (expired !== DUE) throw new Error(`expired ${expired}, expected ${DUE}`);
				rearm.run();
				return ms;
			};
			const raw = () => {
				const ms = rawSweep();
				rearm.run();
				return ms;
			};
			if (r % 2 === 1) {
				const ms = sweep();
				return { ms, rawMs: raw() };
			}
			const rawMs = raw();
			return { ms: sweep(), rawMs };
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
			const a = small.round(r);
			const b = large.round(r);
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
