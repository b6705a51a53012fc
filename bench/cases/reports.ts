/**
 * #11 `reports.summary` over 1,000,000 requests (100,000 with `--quick`) on SQLite: every figure
 * of the report (totals, the three durations' median and p90, per agent, per queue, per day, the
 * time-to-connect histogram) over a range holding every request. Seeded with raw SQL: 90 days of
 * requests spread over 10 agents, 3 queues and the unassigned, with the timelines their outcome
 * implies (opened, started, ended, closed, declined events), about 3 events a request, and the
 * report's facts those events put on the row (first open, session start and end). Open requests
 * past their expiry are seeded `expired`, as the sweep leaves them, but for one in a hundred
 * (10,000 at 1,000,000), spread over the 90 days, which are due an hour ago.
 *
 * Timed: the first report after the seed (cold: every day's summary to make, `report_days`), the
 * median of later ones (warm: summaries read), one agent's last 30 days, then the expiry sweep of
 * the due requests (whose writes drop the summaries of nearly every day) and the report after it.
 */
import { rmSync } from 'node:fs';
import { sqliteOf } from '../../src/server/db';
import { expireDueRequests } from '../../src/server/jobs/expiry';
import { queues } from '../../src/server/db/schema';
import { reportSummary } from '../../src/server/services/reports';
import { addUser, makeDataDir, openBeckon } from '../lib/beckon';
import { benchId, DAY } from '../lib/data';
import type { BenchOptions, BenchResult } from '../lib/result';
import { median, round } from '../lib/stats';

const TARGET_MS = 300;
const MINUTE = 60_000;

export async function run({ quick }: BenchOptions): Promise<BenchResult> {
	const size = quick ? 100_000 : 1_000_000;
	const rounds = quick ? 3 : 7;
	const now = Date.now();
	const start = now - 90 * DAY;
	const dataDir = makeDataDir();
	const app = openBeckon(dataDir);
	try {
		const admin = await addUser(app, 'admin@bench.test', 'admin');
		const agents: string[] = [];
		for (let i = 0; i < 10; i++) agents.push((await addUser(app, `agent${i}@bench.test`)).id);
		const queueIds = [0, 1, 2].map((i) => benchId(0x9e, i));
		app.db
			.insert(queues)
			.values(
				queueIds.map((id, i) => ({ id, name: `Queue ${i}`, createdAt: start, updatedAt: start }))
			)
			.run();
		const seedStart = performance.now();
		const insertRequest = app.sqlite.prepare(`INSERT INTO session_requests (id, recipient_name,
			recipient_email, send_email, email_language, comments, scheduled_at, expires_at, assignment_kind,
			assignee_id, queue_id, status, closed_reason, connect_requested, link_version, end_user_seen_at,
			created_by, created_at, updated_at, status_changed_at, version, first_opened_at,
			session_started_at, session_ended_at)
			VALUES (?, ?, NULL, 0, 'en', '', NULL, ?, ?, ?, ?, ?, ?, 0, 1, NULL, ?, ?, ?, ?, ?, ?, ?, ?)`);
		const insertEvent = app.sqlite.prepare(
			`INSERT INTO request_events (request_id, type, actor, at, data) VALUES (?, ?, 'system', ?, '{}')`
		);
		app.sqlite
			.transaction(() => {
				for (let i = 0; i < size; i++) {
					const id = benchId(0xbe, i);
					// Deterministic spread: creation time, assignment and outcome from the index.
					const at = start + Math.floor((i / size) * 89 * DAY) + ((i * 7919) % DAY);
					const who = i % 14;
					const [kind, assignee, queue] =
						who < 10
							? ['agent', agents[who], null]
							: who < 13
								? ['queue', null, queueIds[who - 10]]
								: ['unassigned', null, null];
					// One in a hundred is live and due an hour ago: the sweep's work.
					const due = i % 100 === 50;
					// 0–3 completed, 4 declined, 5 closed, 6 connected, 7 expired, 8–9 open
					const story = due ? 8 : (i * 31) % 10;
					const expiresAt = due ? now - 60 * MINUTE : at + 7 * DAY;
					const opened = at + ((i * 104729) % (3 * 60 * MINUTE)) + 1000;
					const started = opened + ((i * 613) % (30 * MINUTE)) + 1000;
					const ended = started + ((i * 997) % (45 * MINUTE)) + 1000;
					// Open ones past their expiry as the sweep leaves them, but for the due ones.
					const status =
						story <= 5
							? 'closed'
							: story === 6
								? 'connected'
								: story === 7 || (!due && expiresAt <= now)
									? 'expired'
									: 'open';
					const reason =
						story <= 3
							? 'completed'
							: story === 4
								? 'declined_by_user'
								: story === 5
									? 'closed_by_agent'
									: null;
					// The report's facts on the row, as writeRows keeps them with the events below.
					const wasOpened = story !== 5 && story !== 7;
					const wasStarted = story <= 3 || story === 6;
					insertRequest.run(
						id,
						`Recipient ${i}`,
						expiresAt,
						kind,
						assignee,
						queue,
						status,
						reason,
						admin.id,
						at,
						at,
						at,
						i + 1,
						wasOpened ? opened : null,
						wasStarted ? started : null,
						story <= 3 ? ended : null
					);
					insertEvent.run(id, 'created', at);
					if (wasOpened) insertEvent.run(id, 'link_opened', opened);
					if (wasStarted) insertEvent.run(id, 'session_started', started);
					if (story <= 3) insertEvent.run(id, 'session_ended', ended);
					if (story === 4) insertEvent.run(id, 'declined', opened + 5000);
					if (story === 5) insertEvent.run(id, 'closed', at + 2 * 60 * MINUTE);
				}
			})
			.immediate();
		// The versions the rows took, as taken from the server-wide counter (the sweep takes more).
		app.sqlite
			.prepare(`UPDATE counters SET value = max(value, ?) WHERE name = 'version'`)
			.run(size);
		sqliteOf(app.sqlite).pragma('wal_checkpoint(TRUNCATE)');
		sqliteOf(app.sqlite).exec('ANALYZE');
		const seedSeconds = round((performance.now() - seedStart) / 1000);
		const filters = {
			from: new Date(start - DAY).toISOString(),
			to: new Date(now + DAY).toISOString()
		};
		const report = () => {
			const t0 = performance.now();
			const summary = reportSummary(app, admin, filters);
			const ms = performance.now() - t0;
			if (summary.totals.created !== size) {
				throw new Error(`counted ${summary.totals.created}, expected ${size}`);
			}
			return ms;
		};
		// The first report makes every whole day's summary; the later ones read them.
		const coldMs = report();
		const times: number[] = [];
		for (let r = 0; r < rounds; r++) times.push(report());
		// One agent's month, the report an agent opens.
		const agentMonth = {
			...filters,
			from: new Date(now - 30 * DAY).toISOString(),
			agentId: agents[0]
		};
		const agentTimes: number[] = [];
		for (let r = 0; r < rounds; r++) {
			const t0 = performance.now();
			reportSummary(app, admin, agentMonth);
			agentTimes.push(performance.now() - t0);
		}
		const stored = app.sqlite
			.prepare(
				'SELECT count(*) AS days, sum(length(durations) + length(groups)) AS bytes FROM report_days'
			)
			.get() as { days: number; bytes: number };
		// The sweep's writes drop the summaries of the days their requests were created in.
		const sweepStart = performance.now();
		const swept = expireDueRequests(app);
		const sweepMs = performance.now() - sweepStart;
		// A few more may have come due since the seed (open ones expire 7 days after creation).
		if (swept < size / 100) throw new Error(`swept ${swept}, expected ${size / 100}`);
		const left = app.sqlite.prepare('SELECT count(*) FROM report_days').pluck().get() as number;
		const afterSweepMs = report();
		const ms = round(median(times));
		const figures: BenchResult['figures'] = {
			summary_ms: ms,
			summary_min_ms: round(Math.min(...times)),
			first_report_ms: round(coldMs),
			one_agent_30_days_ms: round(median(agentTimes)),
			[`after_sweep_of_${swept}_ms`]: round(afterSweepMs),
			sweep_ms: round(sweepMs),
			summaries_kept: `${stored.days} days, ${round(stored.bytes / 1e6, 1)} MB; ${left} left after the sweep`
		};
		return {
			id: 11,
			name: `reports.summary over ${size.toLocaleString('en')} requests`,
			figures,
			inputs: {
				requests: size,
				events: 'about 3 per request',
				days: 90,
				due: size / 100,
				rounds,
				seedSeconds
			},
			target: `< ${TARGET_MS} ms over 1,000,000 requests (SQLite)`,
			met: quick ? null : ms < TARGET_MS,
			summary: `${size.toLocaleString('en')} requests: ${ms} ms (median of ${rounds}, from the day summaries); first report ${figures.first_report_ms} ms; after a sweep of ${swept}: ${round(afterSweepMs)} ms; one agent's 30 days: ${figures.one_agent_30_days_ms} ms`
		};
	} finally {
		app.close();
		rmSync(dataDir, { recursive: true, force: true });
	}
}
