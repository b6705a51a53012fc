/**
 * reports.summary against a brute-force computation over generated requests and timelines (on
 * SQLite, and on PostgreSQL in the PostgreSQL stage): every count, percentile and per-agent and
 * per-queue row, with each filter.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBeckon, TEST_DATABASE_URL } from '../../../tests/support/database';
import { migrationsUpTo } from '../../../tests/support/migrations';
import { makeUser } from '../../../tests/support/server';
import type { EventType } from '../../lib/domain/types';
import { write, type Beckon } from '../app';
import { takeVersions } from '../db';
import { prepareSql } from '../db/plain-sql';
import type { SessionRequestRow } from '../db/schema';
import { expireDueRequests } from '../jobs/expiry';
import { erasePersonalData } from './privacy';
import { appendEvents, eventsOf, findRow, recordPresence, writeRows } from './request-records';
import { assignRequest, closeRequest, reopenRequest } from './requests';
import {
	CONNECT_BUCKETS,
	groupsSql,
	percentilesOf,
	reportSummary,
	REPORT_OUTCOMES,
	type ReportFilters
} from './reports';
import { loadAuthUser, type AuthUser } from './users';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BASE = Date.parse('2031-02-01T00:00:00.000Z');
const NOW = BASE + 8 * DAY;

type Story =
	| 'untouched'
	| 'opened'
	| 'declined'
	| 'completed'
	| 'closedInSession'
	| 'connected'
	| 'closed'
	| 'expired'
	| 'reopenedAfterSession'
	| 'reopenedUnconnected';
const STORIES: Story[] = [
	'untouched',
	'opened',
	'declined',
	'completed',
	'closedInSession',
	'connected',
	'closed',
	'expired',
	'reopenedAfterSession',
	'reopenedUnconnected'
];

interface Generated {
	id: string;
	createdAt: number;
	expiresAt: number;
	assignment:
		{ kind: 'unassigned' } | { kind: 'agent'; id: string } | { kind: 'queue'; id: string };
	status: string;
	closedReason: string | null;
	events: { type: string; at: number }[];
}

/** A seeded stream of numbers in [0, 1). */
function random(seed: number) {
	let state = seed >>> 0;
	return () => {
		state = (state * 1664525 + 1013904223) >>> 0;
		return state / 2 ** 32;
	};
}

function generate(count: number, agents: string[], queueIds: string[], seed: number): Generated[] {
	const next = random(seed);
	const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];
	const span = (max: number) => Math.floor(next() * max);
	return Array.from({ length: count }, (_, i) => {
		const createdAt = BASE + span(10 * DAY);
		const kind = pick(['unassigned', 'agent', 'queue'] as const);
		const assignment =
			kind === 'agent'
				? { kind, id: pick(agents) }
				: kind === 'queue'
					? { kind, id: pick(queueIds) }
					: { kind };
		const story = pick(STORIES);
		const events: { type: string; at: number }[] = [{ type: 'created', at: createdAt }];
		let status = 'open';
		let closedReason: string | null = null;
		const opened = createdAt + span(6 * HOUR) + 1;
		const started = opened + span(2 * HOUR) + 1;
		const ended = started + span(90 * 60_000) + 1;
		if (story !== 'untouched' && story !== 'closed' && story !== 'expired') {
			events.push({ type: 'link_opened', at: opened });
			status = 'waiting';
			// A return to the page later: the first open is what counts.
			if (next() < 0.3) events.push({ type: 'link_opened', at: opened + span(DAY) + 1 });
		}
		if (story === 'declined') {
			events.push({ type: 'declined', at: opened + 1000 });
			[status, closedReason] = ['closed', 'declined_by_user'];
		}
		if (story === 'completed' || story === 'closedInSession' || story === 'connected') {
			events.push({ type: 'session_started', at: started });
			status = 'connected';
		}
		if (story === 'completed') {
			events.push({ type: 'session_ended', at: ended });
			[status, closedReason] = ['closed', 'completed'];
		}
		if (story === 'closedInSession') {
			events.push({ type: 'closed', at: ended });
			[status, closedReason] = ['closed', 'closed_by_agent'];
		}
		if (story === 'closed') {
			events.push({ type: 'closed', at: createdAt + span(DAY) + 1 });
			[status, closedReason] = ['closed', 'closed_by_agent'];
		}
		if (story === 'expired') status = 'expired';
		if (story === 'reopenedAfterSession' || story === 'reopenedUnconnected') {
			// A first life (a session, or closed unopened), reopened, then a second one with a
			// session: the report's facts are the first ever, as over the timeline.
			let at = createdAt + span(HOUR) + 1;
			if (story === 'reopenedAfterSession') {
				events.push({ type: 'link_opened', at }, { type: 'session_started', at: (at += 60_000) });
				events.push({ type: 'session_ended', at: (at += span(HOUR) + 1) });
			} else {
				events.push({ type: 'closed', at });
			}
			events.push({ type: 'reopened', at: (at += span(HOUR) + 1) });
			events.push({ type: 'link_opened', at: (at += span(HOUR) + 1) });
			events.push({ type: 'session_started', at: (at += span(HOUR) + 1) });
			events.push({ type: 'closed', at: at + span(HOUR) + 1 });
			[status, closedReason] = ['closed', 'closed_by_agent'];
		}
		return {
			id: `0190a000-0000-7000-8000-${String(i).padStart(12, '0')}`,
			createdAt,
			// Some open ones are past their expiry by the clock alone (not swept yet).
			expiresAt: createdAt + span(6 * DAY) + HOUR,
			assignment,
			status,
			closedReason,
			events
		};
	});
}

/** What the report must say, computed row by row in plain code. */
function bruteForce(
	data: Generated[],
	filters: ReportFilters,
	names: Map<string, string>,
	now = NOW
) {
	const from = Date.parse(filters.from);
	const to = Date.parse(filters.to);
	const facts = data
		.filter((r) => r.createdAt >= from && r.createdAt < to)
		.filter(
			(r) =>
				!filters.agentId || (r.assignment.kind === 'agent' && r.assignment.id === filters.agentId)
		)
		.filter(
			(r) =>
				!filters.queueId || (r.assignment.kind === 'queue' && r.assignment.id === filters.queueId)
		)
		.map((r) => {
			const st =
				['open', 'waiting', 'ready'].includes(r.status) && r.expiresAt <= now
					? 'expired'
					: r.status;
			const first = (types: string[], after = -Infinity) => {
				const ats = r.events
					.filter((e) => types.includes(e.type) && e.at >= after)
					.map((e) => e.at);
				return ats.length ? Math.min(...ats) : null;
			};
			const openedAt = first(['link_opened']);
			const startedAt = first(['session_started']);
			const endedAt = startedAt === null ? null : first(['session_ended', 'closed'], startedAt);
			const outcome =
				st === 'closed'
					? r.closedReason === 'completed'
						? 'completed'
						: r.closedReason === 'declined_by_user'
							? 'declined'
							: 'closed_by_agent'
					: st === 'expired'
						? 'expired'
						: 'open';
			return { ...r, st, openedAt, startedAt, endedAt, outcome };
		})
		.filter((f) => !filters.outcome || f.outcome === filters.outcome);
	type Fact = (typeof facts)[number];
	const counts = (rows: Fact[]) => ({
		created: rows.length,
		opened: rows.filter((f) => f.openedAt !== null).length,
		connected: rows.filter((f) => f.startedAt !== null).length,
		closed: rows.filter((f) => f.st === 'closed').length,
		completed: rows.filter((f) => f.outcome === 'completed').length,
		declined: rows.filter((f) => f.outcome === 'declined').length,
		expired: rows.filter((f) => f.outcome === 'expired').length
	});
	const percentiles = (values: number[]) => {
		const sorted = [...values].sort((a, b) => a - b);
		const n = sorted.length;
		if (n === 0) return { count: 0, median: null, p90: null };
		return { count: n, median: sorted[Math.ceil(n / 2) - 1], p90: sorted[Math.ceil(0.9 * n) - 1] };
	};
	const offset = (filters.utcOffsetMinutes ?? 0) * 60_000;
	const dayOf = (f: Fact) => new Date(f.createdAt + offset).toISOString().slice(0, 10);
	const days = [...new Set(facts.map(dayOf))].sort();
	const connectTimes = facts
		.filter((f) => f.startedAt !== null)
		.map((f) => f.startedAt! - f.createdAt);
	const groups = (key: (f: Fact) => string | null) => {
		const ids = [...new Set(facts.map(key).filter((k): k is string => k !== null))].sort();
		return ids.map((id) => ({ id, ...counts(facts.filter((f) => key(f) === id)) }));
	};
	return {
		from: filters.from,
		to: filters.to,
		totals: counts(facts),
		timeToFirstOpenMs: percentiles(
			facts.filter((f) => f.openedAt !== null).map((f) => f.openedAt! - f.createdAt)
		),
		timeToConnectMs: percentiles(
			facts.filter((f) => f.startedAt !== null).map((f) => f.startedAt! - f.createdAt)
		),
		sessionDurationMs: percentiles(
			facts.filter((f) => f.endedAt !== null).map((f) => f.endedAt! - f.startedAt!)
		),
		perAgent: groups((f) => (f.assignment.kind === 'agent' ? f.assignment.id : null)).map(
			({ id, ...c }) => ({ agentId: id, ...c, name: names.get(id) ?? null })
		),
		perQueue: groups((f) => (f.assignment.kind === 'queue' ? f.assignment.id : null)).map(
			({ id, ...c }) => ({ queueId: id, ...c, name: names.get(id) ?? null })
		),
		perDay: days.map((day) => {
			const on = facts.filter((f) => dayOf(f) === day);
			return {
				day,
				...Object.fromEntries(
					REPORT_OUTCOMES.map((o) => [o, on.filter((f) => f.outcome === o).length])
				)
			};
		}),
		// Buckets written out here, not taken from the service.
		timeToConnectHistogram: [
			[0, 60_000],
			[60_000, 300_000],
			[300_000, 900_000],
			[900_000, HOUR],
			[HOUR, 4 * HOUR],
			[4 * HOUR, DAY],
			[DAY, null]
		].map(([fromMs, toMs]) => ({
			fromMs,
			toMs,
			count: connectTimes.filter((t) => t >= fromMs! && (toMs === null || t < toMs)).length
		}))
	};
}

/** The generated rows as created, in plain SQL (which the schema before the facts' migration takes too). */
function insertRequests(app: Beckon, data: Generated[], adminId: string) {
	const insert = prepareSql(
		app.sqlite,
		(param) => `INSERT INTO session_requests (id, recipient_name,
		recipient_email, send_email, email_language, comments, expires_at, assignment_kind,
		assignee_id, queue_id, status, closed_reason, created_by, created_at, updated_at,
		status_changed_at, version) VALUES (${param()}, ${param()}, NULL, 0, 'en', '', ${Array.from(
			{ length: 11 },
			param
		).join(', ')})`
	);
	const first = takeVersions(app.db, data.length);
	data.forEach((r, i) => {
		const assignee = r.assignment.kind === 'agent' ? r.assignment.id : null;
		const queue = r.assignment.kind === 'queue' ? r.assignment.id : null;
		insert.run(
			r.id,
			`Person ${i}`,
			r.expiresAt,
			r.assignment.kind,
			assignee,
			queue,
			r.status,
			r.closedReason,
			adminId,
			r.createdAt,
			r.createdAt,
			r.createdAt,
			first + i
		);
	});
}

const systemEvent = (requestId: string, e: { type: string; at: number }) => ({
	requestId,
	type: e.type as EventType,
	actor: 'system',
	at: e.at,
	data: {}
});

/** The users, queues and generated requests of a report's tests, on a new database. */
async function setUp(dataDir: string, clock: { at: number }) {
	const app = createTestBeckon(dataDir, () => clock.at);
	const adminId = (await makeUser(app, 'admin', 'edit')).id;
	const agents: string[] = [];
	const names = new Map<string, string>();
	for (let i = 0; i < 3; i++) {
		const agent = await makeUser(app, 'agent', 'edit');
		agents.push(agent.id);
		names.set(agent.id, agent.name);
	}
	queueIds.forEach((id, i) => names.set(id, `Q${i}`));
	prepareSql(
		app.sqlite,
		(p) =>
			`INSERT INTO queues (id, name, created_at, updated_at) VALUES (${p()}, 'Q0', ${p()}, ${p()}), (${p()}, 'Q1', ${p()}, ${p()})`
	).run(queueIds[0], BASE, BASE, queueIds[1], BASE, BASE);
	const data = generate(400, agents, queueIds, 20310201);
	return { app, adminId, agents, names, data };
}

/**
 * Each request as its timeline was written: created, then every later event through the one write
 * path (writeRows), at its time, which keeps the report's facts on the row. Leaves the clock at NOW.
 */
function writeTimelines(app: Beckon, data: Generated[], adminId: string, clock: { at: number }) {
	write(app, () => {
		insertRequests(app, data, adminId);
		for (const r of data) {
			appendEvents(app, [systemEvent(r.id, r.events[0])]);
			const later = r.events.slice(1).sort((a, b) => a.at - b.at);
			for (const e of later) {
				clock.at = e.at;
				writeRows(app, [
					{
						row: findRow(app, r.id)!,
						set: {},
						event: { actor: 'system', type: e.type as EventType }
					}
				]);
			}
		}
	});
	clock.at = NOW;
}

const queueIds = ['0190a000-0000-7000-9000-000000000001', '0190a000-0000-7000-9000-000000000002'];

const window = {
	from: new Date(BASE + DAY).toISOString(),
	to: new Date(BASE + 9 * DAY).toISOString()
};

function filterSets(agents: string[]): ReportFilters[] {
	return [
		window,
		{ from: new Date(BASE - DAY).toISOString(), to: new Date(BASE + 20 * DAY).toISOString() },
		...agents.map((agentId) => ({ ...window, agentId })),
		...queueIds.map((queueId) => ({ ...window, queueId })),
		...REPORT_OUTCOMES.map((outcome) => ({ ...window, outcome })),
		{ ...window, agentId: agents[0], outcome: 'completed' as const },
		// Days counted in the caller's zone: east and west of UTC.
		{ ...window, utcOffsetMinutes: 330 },
		{ ...window, utcOffsetMinutes: -480, queueId: queueIds[1] }
	];
}

describe('reports.summary', () => {
	const dataDir = mkdtempSync(join(tmpdir(), 'beckon-reports-'));
	const clock = { at: NOW };
	let app: Beckon;
	let adminId: string;
	let agents: string[];
	let data: Generated[];
	/** Each agent's and queue's name, as the report's rows name them. */
	let names: Map<string, string>;

	beforeAll(async () => {
		({ app, adminId, agents, names, data } = await setUp(dataDir, clock));
		writeTimelines(app, data, adminId, clock);
	});
	afterAll(() => {
		app?.close();
		rmSync(dataDir, { recursive: true, force: true });
	});

	it('equals the brute-force figures, for every filter', () => {
		const admin = loadAuthUser(app, adminId)!;
		for (const filters of filterSets(agents)) {
			expect(reportSummary(app, admin, filters), JSON.stringify(filters)).toEqual(
				bruteForce(data, filters, names)
			);
		}
		// The generated data exercises every part.
		const all = bruteForce(data, window, names);
		expect(all.totals.completed).toBeGreaterThan(5);
		expect(all.totals.declined).toBeGreaterThan(5);
		expect(all.totals.expired).toBeGreaterThan(5);
		expect(all.sessionDurationMs.count).toBeGreaterThan(10);
		expect(all.perAgent).toHaveLength(3);
		expect(all.perQueue).toHaveLength(2);
		expect(all.perDay).toHaveLength(8);
		expect(all.timeToConnectHistogram.filter((b) => b.count > 0).length).toBeGreaterThan(3);
		expect(CONNECT_BUCKETS).toHaveLength(all.timeToConnectHistogram.length);
		expect(data.filter((r) => r.events.some((e) => e.type === 'reopened')).length).toBeGreaterThan(
			40
		);
	});

	it("keeps a reopened request's first open, session and end on its row", () => {
		const reopened = data.filter((r) => r.events.some((e) => e.type === 'reopened'));
		for (const r of reopened) {
			const row = findRow(app, r.id)!;
			const first = (types: string[], after: number) =>
				Math.min(
					...r.events.filter((e) => types.includes(e.type) && e.at >= after).map((e) => e.at)
				);
			const start = first(['session_started'], 0);
			// The first life's session_ended, or else the second life's closing (a `closed` before
			// any session is no session's end).
			expect([row.firstOpenedAt, row.sessionStartedAt, row.sessionEndedAt]).toEqual([
				first(['link_opened'], 0),
				start,
				first(['session_ended', 'closed'], start)
			]);
		}
	});

	it('holds on random windows', () => {
		const admin = loadAuthUser(app, adminId)!;
		fc.assert(
			fc.property(
				fc.integer({ min: 0, max: 11 * DAY }),
				fc.integer({ min: 1, max: 11 * DAY }),
				(a, b) => {
					const filters = {
						from: new Date(BASE - DAY / 2 + a).toISOString(),
						to: new Date(BASE - DAY / 2 + a + b).toISOString()
					};
					expect(reportSummary(app, admin, filters)).toEqual(bruteForce(data, filters, names));
				}
			),
			{ numRuns: 25 }
		);
	});

	it('finds the nearest ranks a sort finds, whatever the values and their repeats', () => {
		const value = fc.oneof(
			fc.integer({ min: 0, max: 3 }),
			fc.integer({ min: -1e12, max: 1e12 }),
			fc.integer({ min: 1000, max: 1010 })
		);
		fc.assert(
			fc.property(fc.array(fc.array(value, { maxLength: 80 }), { maxLength: 8 }), (lists) => {
				const sorted = lists.flat().sort((a, b) => a - b);
				const n = sorted.length;
				expect(percentilesOf(lists.map((list) => Float64Array.from(list)))).toEqual(
					n === 0
						? { count: 0, median: null, p90: null }
						: {
								count: n,
								median: sorted[Math.ceil(n / 2) - 1],
								p90: sorted[Math.ceil((9 * n) / 10) - 1]
							}
				);
			}),
			{ numRuns: 300 }
		);
	});

	it('gives an agent their own figures only', () => {
		const agent = loadAuthUser(app, agents[1])!;
		expect(reportSummary(app, agent, window)).toEqual(
			bruteForce(data, { ...window, agentId: agents[1] }, names)
		);
		expect(() => reportSummary(app, agent, { ...window, agentId: agents[0] })).toThrow(
			'own reports'
		);
	});

	it.skipIf(!!TEST_DATABASE_URL)('reads the rows in one pass over their covering index', () => {
		for (const filters of filterSets(agents)) {
			const query = groupsSql(filters, NOW, () => '?');
			const plan = app.sqlite.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...query.params) as {
				detail: string;
			}[];
			expect(plan.map((p) => p.detail)).toEqual([
				expect.stringMatching(
					/^SEARCH session_requests USING COVERING INDEX session_requests_report_idx \(created_at>\? AND created_at<\?\)$/
				),
				'USE TEMP B-TREE FOR GROUP BY'
			]);
		}
	});
});

/** The requests as the database holds them now: each row's state and its whole timeline. */
function fromDatabase(app: Beckon, data: Generated[]): Generated[] {
	return data.map(({ id }) => {
		const row = findRow(app, id)!;
		const assignment: Generated['assignment'] =
			row.assignmentKind === 'agent'
				? { kind: 'agent', id: row.assigneeId! }
				: row.assignmentKind === 'queue'
					? { kind: 'queue', id: row.queueId! }
					: { kind: 'unassigned' };
		return {
			id,
			createdAt: row.createdAt,
			expiresAt: row.expiresAt,
			assignment,
			status: row.status,
			closedReason: row.closedReason,
			events: eventsOf(app, id).map((e) => ({ type: e.type, at: Date.parse(e.at!) }))
		};
	});
}

describe('reports.summary from the day summaries', () => {
	const dataDir = mkdtempSync(join(tmpdir(), 'beckon-report-days-'));
	const clock = { at: NOW };
	/** The database's app, users and generated requests, once set up. */
	const db = {} as Awaited<ReturnType<typeof setUp>> & { admin: AuthUser };
	const iso = (at: number) => new Date(at).toISOString();

	beforeAll(async () => {
		Object.assign(db, await setUp(dataDir, clock));
		writeTimelines(db.app, db.data, db.adminId, clock);
		db.admin = loadAuthUser(db.app, db.adminId)!;
	});
	afterAll(() => {
		db.app?.close();
		rmSync(dataDir, { recursive: true, force: true });
	});

	/** The summaries kept: "offset/day" for each. */
	const storedDays = () =>
		(
			prepareSql(db.app.sqlite, () => 'SELECT offset_minutes, day FROM report_days').all() as {
				offset_minutes: number;
				day: number;
			}[]
		).map((r) => `${Number(r.offset_minutes)}/${Number(r.day)}`);
	const dayOf = (at: number) => `0/${Math.floor(at / DAY)}`;

	/** Every filter set, and ranges that start and end within days, against the brute force. */
	function expectBruteForce(now: number) {
		const requests = fromDatabase(db.app, db.data);
		const partial: ReportFilters[] = [
			{ from: iso(BASE + 1.5 * DAY + 7 * 60_000), to: iso(BASE + 6.3 * DAY) },
			{ from: iso(BASE + 2.2 * DAY), to: iso(BASE + 7.9 * DAY), utcOffsetMinutes: 330 },
			{ ...window, from: iso(BASE + 0.7 * DAY), agentId: db.agents[2], utcOffsetMinutes: 90 },
			{ from: iso(BASE - DAY / 2), to: iso(BASE + 8.5 * DAY), utcOffsetMinutes: -480 },
			{ from: iso(BASE + 3.1 * DAY), to: iso(BASE + 6 * DAY), outcome: 'expired' }
		];
		for (const filters of [...filterSets(db.agents), ...partial]) {
			expect(reportSummary(db.app, db.admin, filters), JSON.stringify(filters)).toEqual(
				bruteForce(requests, filters, db.names, now)
			);
		}
	}

	/** A request created in a day that has a summary, whose current row `test` accepts. */
	function pastRequest(test: (row: SessionRequestRow) => boolean): SessionRequestRow {
		const found = db.data
			.map((r) => findRow(db.app, r.id)!)
			.find((row) => row.createdAt >= BASE + DAY && row.createdAt < BASE + 7 * DAY && test(row));
		expect(found).toBeDefined();
		return found!;
	}
	const isLive = (row: SessionRequestRow) =>
		['open', 'waiting'].includes(row.status) && row.expiresAt > clock.at + DAY;

	it('keeps a summary of each whole past day a first report reads', () => {
		expect(storedDays()).toEqual([]);
		expectBruteForce(NOW);
		const days = storedDays();
		// The UTC days BASE … BASE + 7 (BASE + 8 is under way at NOW), and the other offsets'.
		for (let d = 0; d < 8; d++) expect(days).toContain(dayOf(BASE + d * DAY));
		expect(days).not.toContain(dayOf(NOW));
		expect(days.some((d) => d.startsWith('330/'))).toBe(true);
		expect(days.some((d) => d.startsWith('-480/'))).toBe(true);
	});

	it('serves a second report from the summaries, not the rows', () => {
		// A change written behind the write path's back (raw SQL): the summary does not know it.
		const row = pastRequest((r) => r.status === 'closed');
		const expected = bruteForce(fromDatabase(db.app, db.data), window, db.names);
		const setStatus = prepareSql(
			db.app.sqlite,
			(p) => `UPDATE session_requests SET status = ${p()}, closed_reason = ${p()} WHERE id = ${p()}`
		);
		setStatus.run('expired', null, row.id);
		try {
			expect(reportSummary(db.app, db.admin, window)).toEqual(expected);
			// A range that takes that day in part reads it from the rows, and sees the change.
			const alone = { from: iso(row.createdAt), to: iso(row.createdAt + 1) };
			expect(reportSummary(db.app, db.admin, alone).totals).toMatchObject({
				closed: 0,
				expired: 1
			});
		} finally {
			setStatus.run(row.status, row.closedReason, row.id);
		}
	});

	it('drops the summaries of the days whose requests change through the services', () => {
		const changes: [string, () => SessionRequestRow][] = [
			['close', () => pastRequest(isLive)],
			['reopen', () => pastRequest((r) => r.status === 'closed' || r.status === 'expired')],
			['assign', () => pastRequest((r) => isLive(r) && r.assignmentKind !== 'agent')],
			['erase', () => pastRequest(isLive)]
		];
		for (const [change, pick] of changes) {
			const row = pick();
			expect(storedDays(), change).toContain(dayOf(row.createdAt));
			if (change === 'close') closeRequest(db.app, db.admin, { id: row.id });
			if (change === 'reopen') reopenRequest(db.app, db.admin, { id: row.id });
			if (change === 'assign') {
				assignRequest(db.app, db.admin, {
					id: row.id,
					assignment: { kind: 'agent', userId: db.agents[0] }
				});
			}
			if (change === 'erase') {
				const email = 'erase.me@example.com';
				prepareSql(
					db.app.sqlite,
					(p) => `UPDATE session_requests SET recipient_email = ${p()} WHERE id = ${p()}`
				).run(email, row.id);
				erasePersonalData(db.app, db.admin, { email, confirmEmail: email });
			}
			expect(storedDays(), change).not.toContain(dayOf(row.createdAt));
			expectBruteForce(NOW);
		}
		// A write no report reads (the end user's presence) keeps them.
		const kept = storedDays();
		write(db.app, () => recordPresence(db.app, pastRequest(isLive), NOW));
		expect(storedDays()).toEqual(kept);
	});

	it('drops them when the expiry sweep writes the expiries a report already counted', () => {
		const due = db.data
			.map((r) => findRow(db.app, r.id)!)
			.filter((r) => ['open', 'waiting', 'ready'].includes(r.status) && r.expiresAt <= NOW);
		expect(due.length).toBeGreaterThan(5);
		const days = new Set(due.map((r) => dayOf(r.createdAt)));
		expect(storedDays().filter((d) => days.has(d))).not.toEqual([]);
		expect(expireDueRequests(db.app)).toBe(due.length);
		expect(storedDays().filter((d) => days.has(d))).toEqual([]);
		expectBruteForce(NOW);
	});

	it('reads a day again once one of its live requests reaches its expiry, with no write', () => {
		const later = NOW + 2 * DAY;
		// Requests of summarised days that are live at NOW and past their expiry two days later.
		const expiring = db.data
			.map((r) => findRow(db.app, r.id)!)
			.filter(
				(r) =>
					r.createdAt < BASE + 8 * DAY &&
					['open', 'waiting', 'ready'].includes(r.status) &&
					r.expiresAt > NOW &&
					r.expiresAt <= later
			);
		expect(expiring.length).toBeGreaterThan(0);
		expectBruteForce(NOW);
		expect(storedDays()).toContain(dayOf(expiring[0].createdAt));
		clock.at = later;
		try {
			expectBruteForce(later);
		} finally {
			clock.at = NOW;
		}
	});
});

describe('reports.summary over requests written before the facts were on the row', () => {
	const dir = mkdtempSync(join(tmpdir(), 'beckon-reports-migrate-'));
	afterAll(() => {
		delete process.env.BECKON_MIGRATIONS_DIR;
		rmSync(dir, { recursive: true, force: true });
	});

	it('finds them backfilled from the timelines by the migration', async () => {
		// The migrations as they were before the facts' one (SQLite's and PostgreSQL's).
		const old = migrationsUpTo(join(dir, 'drizzle'), {
			sqlite: '0013_session_guests',
			postgres: '0000_baseline'
		});
		const dataDir = join(dir, 'data');
		const clock = { at: NOW };
		process.env.BECKON_MIGRATIONS_DIR = old;
		const before = await setUp(dataDir, clock);
		// Before the migration: no facts on the row.
		expect(() =>
			before.app.sqlite.prepare('SELECT first_opened_at FROM session_requests').all()
		).toThrow();
		write(before.app, () => {
			insertRequests(before.app, before.data, before.adminId);
			appendEvents(
				before.app,
				before.data.flatMap((r) => r.events.map((e) => systemEvent(r.id, e)))
			);
		});
		before.app.close();

		delete process.env.BECKON_MIGRATIONS_DIR;
		const app = createTestBeckon(dataDir, () => clock.at);
		try {
			const admin = loadAuthUser(app, before.adminId)!;
			for (const filters of filterSets(before.agents)) {
				expect(reportSummary(app, admin, filters), JSON.stringify(filters)).toEqual(
					bruteForce(before.data, filters, before.names)
				);
			}
		} finally {
			app.close();
		}
	});
});
