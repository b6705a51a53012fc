/**
 * `reports.summary`: how the team did over a date range, computed in SQL on both databases.
 *
 * The requests counted are those created in [from, to), filtered by assignee agent, queue and
 * outcome. Per request, as its timeline defines them: when the end user first opened the link
 * (first `link_opened`), when the session first started (first `session_started`) and when that
 * session ended (the first `session_ended` or `closed` at or after the start) — kept on the
 * request row by its one write path (`first_opened_at`, `session_started_at`, `session_ended_at`,
 * request-records.ts), so the report reads the rows alone; its outcome is its status as every
 * read reports it (`completed`, `closed_by_agent`, `declined`, `expired` or still `open`).
 * Percentiles are nearest-rank: the value at rank ⌈p·n⌉ of the sorted values.
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

/** A request's outcome as every read reports it; `now` is the parameter marking now. */
const outcomeSql = (
	now: string
) => `CASE WHEN status = 'closed' AND closed_reason = 'completed' THEN 'completed'
		WHEN status = 'closed' AND closed_reason = 'declined_by_user' THEN 'declined'
		WHEN status = 'closed' THEN 'closed_by_agent'
		WHEN status = 'expired' OR (status IN (${EXPIRABLE}) AND expires_at <= ${now}) THEN 'expired'
		ELSE 'open' END`;

/** Whom a request's figures count for: its agent or its queue (null: unassigned). */
const OWNER_SQL = `CASE WHEN assignment_kind = 'agent' THEN assignee_id
		WHEN assignment_kind = 'queue' THEN queue_id END`;

/** The durations whose median and p90 the report gives, from the row's facts. */
const DURATIONS = {
	timeToFirstOpenMs: 'first_opened_at - created_at',
	timeToConnectMs: 'session_started_at - created_at',
	sessionDurationMs: 'session_ended_at - session_started_at'
} as const;

/**
 * The counted requests grouped by everything the report breaks them down by (assignment, day,
 * outcome), with what each group holds, read from the request rows alone in one pass over
 * `session_requests_report_idx` (it covers every column named here): the totals, the per-agent,
 * per-queue and per-day rows are sums of a few thousand groups, and each duration's values come
 * as one list per group (d0, d1, d2), sorted once in memory for the percentiles.
 */
export function groupsSql(filters: ReportFilters, now: number, param: Param) {
	const offset = (filters.utcOffsetMinutes ?? 0) * MINUTE;
	// Parameters are marked in the order they stand in the text, which is the order of `params`.
	// The range's two (third and fourth) are replaced by each slice's (chunksOf).
	const params: unknown[] = [offset, now, Date.parse(filters.from), Date.parse(filters.to)];
	const dayOffset = param();
	const outcome = outcomeSql(param());
	let where = `created_at >= ${param()} AND created_at < ${param()}`;
	// By the owner's expression, not its column: the range's covering index answers, not the
	// assignee's or queue's index with a table lookup per row.
	if (filters.agentId) {
		where += ` AND assignment_kind = 'agent' AND ${OWNER_SQL} = ${param()}`;
		params.push(filters.agentId);
	}
	if (filters.queueId) {
		where += ` AND assignment_kind = 'queue' AND ${OWNER_SQL} = ${param()}`;
		params.push(filters.queueId);
	}
	if (filters.outcome) {
		where += ` AND ${outcomeSql(param())} = ${param()}`;
		params.push(now, filters.outcome);
	}
	const buckets = CONNECT_BUCKETS.map(
		({ fromMs, toMs }, i) =>
			`sum(CASE WHEN session_started_at - created_at >= ${fromMs}${
				toMs === null ? '' : ` AND session_started_at - created_at < ${toMs}`
			} THEN 1 ELSE 0 END) AS b${i}`
	).join(',\n\t');
	const lists = Object.values(DURATIONS)
		.map((value, i) => `string_agg(CAST(${value} AS TEXT), ',') AS d${i}`)
		.join(',\n\t');
	const sql = `SELECT assignment_kind AS kind,
		${OWNER_SQL} AS owner,
		(created_at + CAST(${dayOffset} AS INTEGER)) / ${DAY_MS} AS day,
		${outcome} AS outcome, count(*) AS n,
		count(first_opened_at) AS opened, count(session_started_at) AS connected,
		${buckets},
		${lists}
	FROM session_requests WHERE ${where} GROUP BY 1, 2, 3, 4`;
	return { sql, params };
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

/** How many slices reportSummary reads a range in, at most. */
const CHUNKS = 100;

/** The report's range as consecutive [from, to) slices of whole days (the caller's days). */
function chunksOf(filters: ReportFilters): [number, number][] {
	const offset = (filters.utcOffsetMinutes ?? 0) * MINUTE;
	const from = Date.parse(filters.from);
	const to = Date.parse(filters.to);
	const firstDay = Math.floor((from + offset) / DAY_MS);
	const days = Math.ceil((to + offset) / DAY_MS) - firstDay;
	const step = Math.max(1, Math.ceil(days / CHUNKS)) * DAY_MS;
	const chunks: [number, number][] = [];
	for (let at = firstDay * DAY_MS - offset; at < to; at += step) {
		chunks.push([Math.max(from, at), Math.min(to, at + step)]);
	}
	return chunks;
}

/**
 * Median and 90th percentile (nearest rank: the value at rank ⌈p·n⌉) of one duration, from its
 * values as the groups listed them: one sort of the values, in memory.
 */
function percentilesOf(lists: (string | null)[]): Percentiles {
	const values: number[] = [];
	for (const list of lists) {
		if (list !== null) for (const value of list.split(',')) values.push(Number(value));
	}
	const n = values.length;
	if (n === 0) return { count: 0, median: null, p90: null };
	const sorted = Float64Array.from(values).sort();
	return {
		count: n,
		median: sorted[Math.floor((n + 1) / 2) - 1],
		p90: sorted[Math.floor((9 * n + 9) / 10) - 1]
	};
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
		let query = { sql: '', params: [] as unknown[] };
		const statement = prepareSql(
			app.sqlite,
			(param) => (query = groupsSql(filters, now, param)).sql
		);
		const buckets = CONNECT_BUCKETS.map((_, i) => `b${i}`);
		const rows: Record<string, unknown>[] = [];
		// The range read in at most CHUNKS slices of whole days: SQLite groups by sorting, and a
		// slice's rows sort in memory where a million would spill into a merge of many runs.
		for (const [from, to] of chunksOf(filters)) {
			const params = [...query.params];
			params.splice(2, 2, from, to);
			rows.push(...(statement.all(...params) as Record<string, unknown>[]));
		}
		const groups = rows.map((row): Group => ({
			kind: String(row.kind),
			owner: row.owner === null ? null : String(row.owner),
			day: Number(row.day),
			outcome: String(row.outcome) as ReportOutcome,
			n: Number(row.n),
			opened: Number(row.opened ?? 0),
			connected: Number(row.connected ?? 0),
			buckets: buckets.map((b) => Number(row[b] ?? 0))
		}));
		const [timeToFirstOpenMs, timeToConnectMs, sessionDurationMs] = Object.keys(DURATIONS).map(
			(_, i) => percentilesOf(rows.map((row) => (row[`d${i}`] ?? null) as string | null))
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
