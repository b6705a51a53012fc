/**
 * `reports.summary`: how the team did over a date range, computed in SQL on both databases.
 *
 * The requests counted are those created in [from, to), filtered by assignee agent, queue and
 * outcome. Per request, from its row and timeline: when the end user first opened the link
 * (first `link_opened`), when the session first started (first `session_started`) and when that
 * session ended (the first `session_ended` or `closed` at or after the start); its outcome is its
 * status as every read reports it (`completed`, `closed_by_agent`, `declined`, `expired` or
 * still `open`). Percentiles are nearest-rank: the value at rank ⌈p·n⌉ of the sorted values.
 */
import { forbidden } from '../../lib/domain/errors';
import { EXPIRABLE_STATUSES } from '../../lib/domain/types';
import { inArray } from 'drizzle-orm';
import type { Beckon } from '../app';
import { prepareSql, type Param } from '../db/plain-sql';
import { queues, users } from '../db/schema';
import type { AuthUser } from './users';

export const REPORT_OUTCOMES = [
	'completed',
	'closed_by_agent',
	'declined',
	'expired',
	'open'
] as const;
export type ReportOutcome = (typeof REPORT_OUTCOMES)[number];

export interface ReportFilters {
	from: string;
	to: string;
	agentId?: string;
	queueId?: string;
	outcome?: ReportOutcome;
	/**
	 * The caller's offset from UTC in minutes (east positive), so that `perDay` counts the
	 * caller's days; 0 (UTC days) when left out.
	 */
	utcOffsetMinutes?: number;
}

export interface Counts {
	created: number;
	opened: number;
	connected: number;
	closed: number;
	completed: number;
	declined: number;
	expired: number;
}

export interface Percentiles {
	count: number;
	median: number | null;
	p90: number | null;
}

const EXPIRABLE = EXPIRABLE_STATUSES.map((s) => `'${s}'`).join(', ');

const DAY_MS = 86_400_000;
const MINUTE = 60_000;

/**
 * The time-to-connect histogram's buckets, in ms: [from, to), the last one open-ended. Fixed, so
 * that two reports (two agents, two months) compare bucket by bucket.
 */
export const CONNECT_BUCKETS: readonly { fromMs: number; toMs: number | null }[] = [
	{ fromMs: 0, toMs: MINUTE },
	{ fromMs: MINUTE, toMs: 5 * MINUTE },
	{ fromMs: 5 * MINUTE, toMs: 15 * MINUTE },
	{ fromMs: 15 * MINUTE, toMs: 60 * MINUTE },
	{ fromMs: 60 * MINUTE, toMs: 4 * 60 * MINUTE },
	{ fromMs: 4 * 60 * MINUTE, toMs: 24 * 60 * MINUTE },
	{ fromMs: 24 * 60 * MINUTE, toMs: null }
];

/**
 * One row per counted request, with its facts (the filters applied). Its parameters are marked
 * in the order they appear in the text, which is the order of `params`.
 */
function factsSql(filters: ReportFilters, now: number, param: Param) {
	const offset = (filters.utcOffsetMinutes ?? 0) * MINUTE;
	const params: unknown[] = [now, offset, Date.parse(filters.from), Date.parse(filters.to)];
	const expiredBy = param();
	const dayOffset = param();
	let where = `r.created_at >= ${param()} AND r.created_at < ${param()}`;
	if (filters.agentId) {
		where += ` AND r.assignment_kind = 'agent' AND r.assignee_id = ${param()}`;
		params.push(filters.agentId);
	}
	if (filters.queueId) {
		where += ` AND r.assignment_kind = 'queue' AND r.queue_id = ${param()}`;
		params.push(filters.queueId);
	}
	const outcome = filters.outcome ? ` WHERE outcome = ${param()}` : '';
	if (filters.outcome) params.push(filters.outcome);
	// Each first event is one seek in request_events_request_type_at_idx (request, type, at): no scan of
	// a request's timeline, and nothing read for requests outside the range.
	const sql = `WITH base AS (
		SELECT r.id, r.created_at, r.assignment_kind, r.assignee_id, r.queue_id,
			CASE WHEN r.status IN (${EXPIRABLE}) AND r.expires_at <= ${expiredBy} THEN 'expired' ELSE r.status END AS st,
			r.closed_reason,
			(r.created_at + CAST(${dayOffset} AS INTEGER)) / ${DAY_MS} AS day,
			(SELECT min(e.at) FROM request_events e WHERE e.request_id = r.id AND e.type = 'link_opened') AS opened_at,
			(SELECT min(e.at) FROM request_events e WHERE e.request_id = r.id AND e.type = 'session_started') AS started_at
		FROM session_requests r WHERE ${where}
	), facts AS (
		SELECT base.*,
			CASE WHEN st = 'closed' AND closed_reason = 'completed' THEN 'completed'
				WHEN st = 'closed' AND closed_reason = 'declined_by_user' THEN 'declined'
				WHEN st = 'closed' THEN 'closed_by_agent'
				WHEN st = 'expired' THEN 'expired'
				ELSE 'open' END AS outcome,
			CASE WHEN started_at IS NULL THEN NULL ELSE (SELECT min(e.at) FROM request_events e
				WHERE e.request_id = base.id AND e.type IN ('session_ended', 'closed')
				AND e.at >= base.started_at) END AS ended_at
		FROM base
	), counted AS MATERIALIZED (SELECT * FROM facts${outcome})`;
	return { sql, params };
}

/**
 * The counted requests grouped by everything the report breaks them down by (assignment, day,
 * outcome), with what each group holds: one pass over the facts, from which the totals, the
 * per-agent, per-queue and per-day rows are sums of a few hundred groups.
 */
function groupsSql() {
	const buckets = CONNECT_BUCKETS.map(
		({ fromMs, toMs }, i) =>
			`sum(CASE WHEN started_at - created_at >= ${fromMs}${
				toMs === null ? '' : ` AND started_at - created_at < ${toMs}`
			} THEN 1 ELSE 0 END) AS b${i}`
	).join(',\n\t');
	return `SELECT assignment_kind AS kind,
		CASE WHEN assignment_kind = 'agent' THEN assignee_id WHEN assignment_kind = 'queue' THEN queue_id END AS owner,
		day, outcome, count(*) AS n,
		sum(CASE WHEN opened_at IS NOT NULL THEN 1 ELSE 0 END) AS opened,
		sum(CASE WHEN started_at IS NOT NULL THEN 1 ELSE 0 END) AS connected,
		${buckets}
	FROM counted GROUP BY 1, 2, 3, 4`;
}

interface Group {
	kind: string;
	owner: string | null;
	day: number;
	outcome: ReportOutcome;
	n: number;
	opened: number;
	connected: number;
	buckets: number[];
}

function emptyCounts(): Counts {
	return { created: 0, opened: 0, connected: 0, closed: 0, completed: 0, declined: 0, expired: 0 };
}

function addGroup(counts: Counts, g: Group) {
	counts.created += g.n;
	counts.opened += g.opened;
	counts.connected += g.connected;
	if (g.outcome === 'completed' || g.outcome === 'declined' || g.outcome === 'closed_by_agent') {
		counts.closed += g.n;
	}
	if (g.outcome === 'completed') counts.completed += g.n;
	if (g.outcome === 'declined') counts.declined += g.n;
	if (g.outcome === 'expired') counts.expired += g.n;
}

function sumBy<K extends string>(groups: Group[], keyOf: (g: Group) => string | null, name: K) {
	const byKey = new Map<string, Counts>();
	for (const g of groups) {
		const key = keyOf(g);
		if (key === null) continue;
		let counts = byKey.get(key);
		if (!counts) byKey.set(key, (counts = emptyCounts()));
		addGroup(counts, g);
	}
	return [...byKey.keys()]
		.sort()
		.map((key) => ({ [name]: key, ...byKey.get(key)! }) as { [P in K]: string } & Counts);
}

const DURATIONS = {
	timeToFirstOpenMs: 'opened_at - created_at',
	timeToConnectMs: 'started_at - created_at',
	sessionDurationMs: 'ended_at - started_at'
} as const;

/**
 * Each duration's values numbered in order (nearest rank), keeping the two rows per series that
 * are its median and 90th percentile; `s` is the series' index in DURATIONS.
 */
function ranksSql() {
	const series = Object.values(DURATIONS)
		.map((value, i) => `SELECT ${i} AS s, ${value} AS v FROM counted WHERE ${value} IS NOT NULL`)
		.join(' UNION ALL ');
	return `SELECT s, v, rn, n FROM (
		SELECT s, v, row_number() OVER (PARTITION BY s ORDER BY v) AS rn,
			count(*) OVER (PARTITION BY s) AS n
		FROM (${series}) x
	) ranked WHERE rn = (n + 1) / 2 OR rn = (9 * n + 9) / 10`;
}

/** Median and 90th percentile of each duration from the rows ranksSql kept. */
function percentilesOf(rows: { s: number; v: number; rn: number; n: number }[]): Percentiles[] {
	return Object.keys(DURATIONS).map((_, s): Percentiles => {
		const mine = rows.filter((r) => r.s === s);
		if (mine.length === 0) return { count: 0, median: null, p90: null };
		const n = mine[0].n;
		const at = (rank: number) => mine.find((r) => r.rn === rank)?.v ?? null;
		return { count: n, median: at(Math.floor((n + 1) / 2)), p90: at(Math.floor((9 * n + 9) / 10)) };
	});
}

/** The names of the agents or queues the report's rows are about (null for one since removed). */
function namesOf(app: Beckon, of: 'agents' | 'queues', ids: string[]): Map<string, string> {
	if (ids.length === 0) return new Map();
	const table = of === 'agents' ? users : queues;
	const rows = app.db
		.select({ id: table.id, name: table.name })
		.from(table)
		.where(inArray(table.id, ids))
		.all();
	return new Map(rows.map((row) => [row.id, row.name]));
}

/** The UTC date of a day number (days since 1970-01-01, in the report's offset). */
function dateOf(day: number): string {
	return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function reportSummary(app: Beckon, user: AuthUser, filters: ReportFilters) {
	// Agents see their own figures: those of the requests assigned to them.
	if (user.role !== 'admin') {
		if (filters.agentId && filters.agentId !== user.id) {
			throw forbidden('Agents see their own reports only');
		}
		filters = { ...filters, agentId: user.id };
	}
	const now = app.clock();
	return app.db.transaction(() => {
		// One statement, so the facts (the costly part: a few index seeks per request) are
		// computed once: the groups' rows, then the ranked rows, in columns of their own.
		const buckets = CONNECT_BUCKETS.map((_, i) => `b${i}`);
		let params: unknown[] = [];
		const statement = prepareSql(app.sqlite, (param) => {
			const facts = factsSql(filters, now, param);
			params = facts.params;
			return `${facts.sql}, grouped AS (${groupsSql()}), ranks AS (${ranksSql()})
				SELECT 0 AS part, kind, owner, day, outcome, n, opened, connected, ${buckets.join(', ')},
					NULL AS s, NULL AS v, NULL AS rn FROM grouped
				UNION ALL
				SELECT 1, NULL, NULL, NULL, NULL, n, NULL, NULL, ${buckets.map(() => 'NULL').join(', ')},
					s, v, rn FROM ranks`;
		});
		const rows = statement.all(...params) as Record<string, unknown>[];
		const groups = rows
			.filter((row) => Number(row.part) === 0)
			.map((row): Group => ({
				kind: String(row.kind),
				owner: row.owner === null ? null : String(row.owner),
				day: Number(row.day),
				outcome: String(row.outcome) as ReportOutcome,
				n: Number(row.n),
				opened: Number(row.opened ?? 0),
				connected: Number(row.connected ?? 0),
				buckets: buckets.map((b) => Number(row[b] ?? 0))
			}));
		const [timeToFirstOpenMs, timeToConnectMs, sessionDurationMs] = percentilesOf(
			rows
				.filter((row) => Number(row.part) === 1)
				.map((row) => ({
					s: Number(row.s),
					v: Number(row.v),
					rn: Number(row.rn),
					n: Number(row.n)
				}))
		);
		const totals = emptyCounts();
		for (const g of groups) addGroup(totals, g);
		const days = new Map<number, Record<ReportOutcome, number>>();
		for (const g of groups) {
			let day = days.get(g.day);
			if (!day) {
				day = { completed: 0, closed_by_agent: 0, declined: 0, expired: 0, open: 0 };
				days.set(g.day, day);
			}
			day[g.outcome] += g.n;
		}
		const perAgent = sumBy(groups, (g) => (g.kind === 'agent' ? g.owner : null), 'agentId');
		const perQueue = sumBy(groups, (g) => (g.kind === 'queue' ? g.owner : null), 'queueId');
		const agentNames = namesOf(
			app,
			'agents',
			perAgent.map((r) => r.agentId)
		);
		const queueNames = namesOf(
			app,
			'queues',
			perQueue.map((r) => r.queueId)
		);
		return {
			from: filters.from,
			to: filters.to,
			totals,
			timeToFirstOpenMs,
			timeToConnectMs,
			sessionDurationMs,
			perAgent: perAgent.map((row) => ({ ...row, name: agentNames.get(row.agentId) ?? null })),
			perQueue: perQueue.map((row) => ({ ...row, name: queueNames.get(row.queueId) ?? null })),
			perDay: [...days.keys()]
				.sort((a, b) => a - b)
				.map((day) => ({ day: dateOf(day), ...days.get(day)! })),
			timeToConnectHistogram: CONNECT_BUCKETS.map((bucket, i) => ({
				...bucket,
				count: groups.reduce((sum, g) => sum + g.buckets[i], 0)
			}))
		};
	});
}

export type ReportSummary = ReturnType<typeof reportSummary>;
