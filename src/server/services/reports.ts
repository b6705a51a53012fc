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
import type { Beckon } from '../app';
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

/** One row per counted request, with its facts (the filters applied). */
function factsSql(filters: ReportFilters, now: number) {
	const params: unknown[] = [now, Date.parse(filters.from), Date.parse(filters.to)];
	let where = 'r.created_at >= ? AND r.created_at < ?';
	if (filters.agentId) {
		where += ` AND r.assignment_kind = 'agent' AND r.assignee_id = ?`;
		params.push(filters.agentId);
	}
	if (filters.queueId) {
		where += ` AND r.assignment_kind = 'queue' AND r.queue_id = ?`;
		params.push(filters.queueId);
	}
	const outcome = filters.outcome ? ' WHERE outcome = ?' : '';
	if (filters.outcome) params.push(filters.outcome);
	const sql = `WITH base AS (
		SELECT r.id, r.created_at, r.assignment_kind, r.assignee_id, r.queue_id,
			CASE WHEN r.status IN (${EXPIRABLE}) AND r.expires_at <= ? THEN 'expired' ELSE r.status END AS st,
			r.closed_reason,
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
			(SELECT min(e.at) FROM request_events e WHERE e.request_id = base.id
				AND e.type IN ('session_ended', 'closed') AND e.at >= base.started_at) AS ended_at
		FROM base
	), counted AS (SELECT * FROM facts${outcome})`;
	return { sql, params };
}

const COUNTS = `count(*) AS created,
	sum(CASE WHEN opened_at IS NOT NULL THEN 1 ELSE 0 END) AS opened,
	sum(CASE WHEN started_at IS NOT NULL THEN 1 ELSE 0 END) AS connected,
	sum(CASE WHEN st = 'closed' THEN 1 ELSE 0 END) AS closed,
	sum(CASE WHEN outcome = 'completed' THEN 1 ELSE 0 END) AS completed,
	sum(CASE WHEN outcome = 'declined' THEN 1 ELSE 0 END) AS declined,
	sum(CASE WHEN outcome = 'expired' THEN 1 ELSE 0 END) AS expired`;

function countsOf(row: Record<string, unknown>): Counts {
	return {
		created: Number(row.created ?? 0),
		opened: Number(row.opened ?? 0),
		connected: Number(row.connected ?? 0),
		closed: Number(row.closed ?? 0),
		completed: Number(row.completed ?? 0),
		declined: Number(row.declined ?? 0),
		expired: Number(row.expired ?? 0)
	};
}

/** Median and 90th percentile (nearest rank) of `value` over the rows where it is not null. */
function percentiles(
	app: Beckon,
	facts: { sql: string; params: unknown[] },
	value: string
): Percentiles {
	const rows = app.sqlite
		.prepare(
			`${facts.sql}, ranked AS (
				SELECT v, row_number() OVER (ORDER BY v) AS rn, count(*) OVER () AS n
				FROM (SELECT ${value} AS v FROM counted WHERE ${value} IS NOT NULL) x
			)
			SELECT v, rn, n FROM ranked WHERE rn = (n + 1) / 2 OR rn = (9 * n + 9) / 10`
		)
		.all(...facts.params) as { v: number; rn: number; n: number }[];
	if (rows.length === 0) return { count: 0, median: null, p90: null };
	const n = Number(rows[0].n);
	const at = (rank: number) => {
		const found = rows.find((r) => Number(r.rn) === rank);
		return found ? Number(found.v) : null;
	};
	return { count: n, median: at(Math.floor((n + 1) / 2)), p90: at(Math.floor((9 * n + 9) / 10)) };
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
		const facts = factsSql(filters, now);
		const totals = app.sqlite
			.prepare(`${facts.sql} SELECT ${COUNTS} FROM counted`)
			.get(...facts.params);
		const perAgent = app.sqlite
			.prepare(
				`${facts.sql} SELECT assignee_id AS id, ${COUNTS} FROM counted
				 WHERE assignment_kind = 'agent' GROUP BY assignee_id ORDER BY assignee_id`
			)
			.all(...facts.params) as Record<string, unknown>[];
		const perQueue = app.sqlite
			.prepare(
				`${facts.sql} SELECT queue_id AS id, ${COUNTS} FROM counted
				 WHERE assignment_kind = 'queue' GROUP BY queue_id ORDER BY queue_id`
			)
			.all(...facts.params) as Record<string, unknown>[];
		return {
			from: filters.from,
			to: filters.to,
			totals: countsOf(totals as Record<string, unknown>),
			timeToFirstOpenMs: percentiles(app, facts, 'opened_at - created_at'),
			timeToConnectMs: percentiles(app, facts, 'started_at - created_at'),
			sessionDurationMs: percentiles(app, facts, 'ended_at - started_at'),
			perAgent: perAgent.map((row) => ({ agentId: String(row.id), ...countsOf(row) })),
			perQueue: perQueue.map((row) => ({ queueId: String(row.id), ...countsOf(row) }))
		};
	});
}

export type ReportSummary = ReturnType<typeof reportSummary>;
