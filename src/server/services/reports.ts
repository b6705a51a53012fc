/**
 * `reports.summary`: how the team did over a date range, on both databases.
 *
 * The requests counted are those created in [from, to), filtered by assignee agent, queue and
 * outcome. Per request, as its timeline defines them: when the end user first opened the link
 * (first `link_opened`), when the session first started (first `session_started`) and when that
 * session ended (the first `session_ended` or `closed` at or after the start) — kept on the
 * request row by its one write path (`first_opened_at`, `session_started_at`, `session_ended_at`,
 * request-records.ts), so the report reads the rows alone; its outcome is its status as every
 * read reports it (`completed`, `closed_by_agent`, `declined`, `expired` or still `open`).
 * Percentiles are nearest-rank: the value at rank ⌈p·n⌉ of the sorted values.
 *
 * The range's whole days that have ended are read from their summaries (`report_days`,
 * ./report-days.ts), made from the rows by the first report that needs them; its partial days and
 * the day under way are read from the rows. Both give the same groups, so the figures are exact
 * either way.
 */
import { forbidden } from '../../lib/domain/errors';
import { EXPIRABLE_STATUSES } from '../../lib/domain/types';
import { inArray } from 'drizzle-orm';
import { write, type Beckon } from '../app';
import { prepareSql, type Param } from '../db/plain-sql';
import { prepared } from '../db/prepared';
import { queues, users } from '../db/schema';
import { readStoredDays, storedDays, storeDay, type Group } from './report-days';
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
 * as one list per group (d0, d1, d2); `live_until` is the earliest expiry still ahead among the
 * group's live requests (a day's summary is valid until then). The range's two parameters stand
 * at `RANGE_AT` in `params`, so that a slice's replace them.
 */
export function groupsSql(filters: ReportFilters, now: number, param: Param) {
	const offset = (filters.utcOffsetMinutes ?? 0) * MINUTE;
	// Parameters are marked in the order they stand in the text, which is the order of `params`.
	const params: unknown[] = [offset, now, now, Date.parse(filters.from), Date.parse(filters.to)];
	const dayOffset = param();
	const outcome = outcomeSql(param());
	const liveUntil = `min(CASE WHEN status IN (${EXPIRABLE}) AND expires_at > ${param()}
		THEN expires_at END) AS live_until`;
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
		${outcome} AS outcome, ${liveUntil}, count(*) AS n,
		count(first_opened_at) AS opened, count(session_started_at) AS connected,
		${buckets},
		${lists}
	FROM session_requests WHERE ${where} GROUP BY 1, 2, 3, 4`;
	return { sql, params };
}

/** Where groupsSql's range stands in its `params`. */
const RANGE_AT = 3;

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

/** How many slices a range is read from the rows in, at most. */
const CHUNKS = 100;

/** [from, to) as consecutive slices of whole days (the caller's days). */
function chunksOf(from: number, to: number, offset: number): [number, number][] {
	const firstDay = Math.floor((from + offset) / DAY_MS);
	const days = Math.ceil((to + offset) / DAY_MS) - firstDay;
	const step = Math.max(1, Math.ceil(days / CHUNKS)) * DAY_MS;
	const chunks: [number, number][] = [];
	for (let at = firstDay * DAY_MS - offset; at < to; at += step) {
		chunks.push([Math.max(from, at), Math.min(to, at + step)]);
	}
	return chunks;
}

/** A duration's values as groupsSql lists them (comma-separated text; null: none). */
function valuesOf(list: unknown): Float64Array {
	return list === null || list === undefined
		? new Float64Array(0)
		: Float64Array.from(String(list).split(','), Number);
}

/**
 * The groups of the requests created in [from, to) that `filters` select, read from the rows in
 * slices of whole days (SQLite groups by sorting, and a slice's rows sort in memory where a
 * million would spill into a merge of many runs); with the earliest expiry still ahead among
 * their live requests (`liveUntil`, null: none).
 */
function groupsFromRows(
	app: Beckon,
	filters: ReportFilters,
	now: number,
	from: number,
	to: number
): { groups: Group[]; liveUntil: number | null } {
	let query = { sql: '', params: [] as unknown[] };
	const statement = prepareSql(app.sqlite, (param) => (query = groupsSql(filters, now, param)).sql);
	const buckets = CONNECT_BUCKETS.map((_, i) => `b${i}`);
	const durations = Object.keys(DURATIONS).map((_, i) => `d${i}`);
	const groups: Group[] = [];
	let liveUntil: number | null = null;
	for (const [sliceFrom, sliceTo] of chunksOf(from, to, (filters.utcOffsetMinutes ?? 0) * MINUTE)) {
		const params = [...query.params];
		params.splice(RANGE_AT, 2, sliceFrom, sliceTo);
		for (const row of statement.all(...params) as Record<string, unknown>[]) {
			if (row.live_until !== null) {
				const until = Number(row.live_until);
				if (liveUntil === null || until < liveUntil) liveUntil = until;
			}
			groups.push({
				kind: String(row.kind),
				owner: row.owner === null ? null : String(row.owner),
				day: Number(row.day),
				outcome: String(row.outcome),
				n: Number(row.n),
				opened: Number(row.opened ?? 0),
				connected: Number(row.connected ?? 0),
				buckets: buckets.map((b) => Number(row[b] ?? 0)),
				durations: durations.map((d) => valuesOf(row[d]))
			});
		}
	}
	return { groups, liveUntil };
}

/**
 * Puts the k-th smallest of values[lo..hi] at k, the smaller ones before it and the larger after
 * (quickselect, Hoare's partition around a median of three); a range that partitions badly for
 * long is sorted instead, so the worst case stays n log n.
 */
function select(values: Float64Array, k: number, lo: number, hi: number) {
	let rounds = 2 * Math.ceil(Math.log2(hi - lo + 2)) + 8;
	while (hi > lo) {
		if (--rounds === 0) {
			values.subarray(lo, hi + 1).sort();
			return;
		}
		const [x, y, z] = [values[lo], values[(lo + hi) >>> 1], values[hi]];
		const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
		let i = lo;
		let j = hi;
		while (i <= j) {
			while (values[i] < pivot) i++;
			while (values[j] > pivot) j--;
			if (i <= j) {
				const t = values[i];
				values[i++] = values[j];
				values[j--] = t;
			}
		}
		// [lo..j] ≤ pivot ≤ [i..hi], and what stands between them equals the pivot.
		if (k <= j) hi = j;
		else if (k >= i) lo = i;
		else return;
	}
}

/**
 * Median and 90th percentile (nearest rank: the value at rank ⌈p·n⌉, `(n + 1) / 2` and
 * `(9n + 9) / 10` in integer arithmetic) of one duration, from the groups' values: selected in
 * one copy of them all, not sorted.
 */
export function percentilesOf(lists: Float64Array[]): Percentiles {
	let n = 0;
	for (const list of lists) n += list.length;
	if (n === 0) return { count: 0, median: null, p90: null };
	const values = new Float64Array(n);
	let at = 0;
	for (const list of lists) {
		values.set(list, at);
		at += list.length;
	}
	const p90 = Math.floor((9 * n + 9) / 10) - 1;
	const median = Math.floor((n + 1) / 2) - 1;
	select(values, p90, 0, n - 1);
	// The p90 + 1 smallest now stand before it: the median is among them.
	select(values, median, 0, p90);
	return { count: n, median: values[median], p90: values[p90] };
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

/**
 * The days a summary is kept for in a report's range: [first, end), the whole days (the
 * caller's) within [from, to) that have ended by `now`. A day under way is read from its rows.
 */
function wholeDays(filters: ReportFilters, now: number) {
	const offset = (filters.utcOffsetMinutes ?? 0) * MINUTE;
	const first = Math.ceil((Date.parse(filters.from) + offset) / DAY_MS);
	const end = Math.min(
		Math.floor((Date.parse(filters.to) + offset) / DAY_MS),
		Math.floor((now + offset) / DAY_MS)
	);
	return { offsetMinutes: filters.utcOffsetMinutes ?? 0, offset, first, end: Math.max(first, end) };
}

const earliestRequest = prepared((db) =>
	prepareSql(db, () => 'SELECT min(created_at) FROM session_requests').pluck()
);

/**
 * Makes the summaries missing (or no longer valid) among the range's whole days: each day read
 * from its rows, every group of it whatever the report's filters, and kept, in a write
 * transaction of its own (short: one day's rows; its reads see every write committed before, and
 * every later write deletes what it kept).
 */
function fillDays(app: Beckon, days: ReturnType<typeof wholeDays>, now: number) {
	const { offsetMinutes, offset, end } = days;
	// None before the first request's day: a range reaching back years reads those from the
	// (empty) rows rather than keeping a summary of each of their days.
	const earliest = earliestRequest(app.db).get() as number | string | null;
	if (earliest === null) return;
	const first = Math.max(days.first, Math.floor((Number(earliest) + offset) / DAY_MS));
	const stored = storedDays(app, offsetMinutes, first, end, now);
	for (let day = first; day < end; day++) {
		if (stored.has(day)) continue;
		const from = day * DAY_MS - offset;
		write(app, () => {
			const range = {
				from: new Date(from).toISOString(),
				to: new Date(from + DAY_MS).toISOString(),
				utcOffsetMinutes: offsetMinutes
			};
			const { groups, liveUntil } = groupsFromRows(app, range, now, from, from + DAY_MS);
			storeDay(app, offsetMinutes, day, liveUntil, groups);
		});
	}
}

/** Whether a stored group (every group of its day) is one `filters` select. */
function selects(filters: ReportFilters, g: Group): boolean {
	return (
		(!filters.agentId || (g.kind === 'agent' && g.owner === filters.agentId)) &&
		(!filters.queueId || (g.kind === 'queue' && g.owner === filters.queueId)) &&
		(!filters.outcome || g.outcome === filters.outcome)
	);
}

/**
 * The report's groups: the range's whole past days from their summaries (`report_days`,
 * services/report-days.ts), the rest (the partial days at its edges, today, and a day whose
 * summary went since fillDays) from the rows.
 */
function reportGroups(app: Beckon, filters: ReportFilters, now: number): Group[] {
	const days = wholeDays(filters, now);
	const stored = readStoredDays(app, days.offsetMinutes, days.first, days.end, now);
	const groups = stored.groups.filter((g) => selects(filters, g));
	const to = Date.parse(filters.to);
	let from = Date.parse(filters.from);
	const readRows = (until: number) => {
		if (from < until) groups.push(...groupsFromRows(app, filters, now, from, until).groups);
	};
	for (let day = days.first; day < days.end; day++) {
		if (!stored.days.has(day)) continue;
		readRows(day * DAY_MS - days.offset);
		from = (day + 1) * DAY_MS - days.offset;
	}
	readRows(to);
	return groups;
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
	// Not inside a caller's transaction: on PostgreSQL its snapshot could keep figures that a
	// write committed meanwhile had already made stale. The report then reads the rows instead.
	if (!app.sqlite.inTransaction) fillDays(app, wholeDays(filters, now), now);
	return app.db.transaction(() => {
		const groups = reportGroups(app, filters, now);
		const [timeToFirstOpenMs, timeToConnectMs, sessionDurationMs] = Object.keys(DURATIONS).map(
			(_, i) => percentilesOf(groups.map((g) => g.durations[i]))
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
			day[g.outcome as ReportOutcome] += g.n;
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
