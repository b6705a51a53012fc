/**
 * Reading and writing session request rows: the one place that turns rows into the public shape,
 * and the one write path for them (`insertRows` for new rows, `writeRows` for every change:
 * row, version, event and notification together).
 */
import { eq, getTableColumns, sql, type Column } from 'drizzle-orm';
import { getTableConfig } from 'drizzle-orm/sqlite-core';
import { notFound } from '../../lib/domain/errors';
import { anonymizedRefusal } from '../../lib/domain/privacy';
import { transition, type Action } from '../../lib/domain/lifecycle';
import { effectiveStatus, toIso } from '../../lib/domain/rules';
import {
	isTerminal,
	SYSTEM_ACTOR,
	type Actor,
	type Assignment,
	type EventType,
	type SessionRequest,
	type Status,
	type Viewer
} from '../../lib/domain/types';
import { canSee, type VisibilityFacts } from '../../lib/domain/visibility';
import type { Beckon } from '../app';
import { takeVersions, type DB } from '../db';
import type { SqlStatement } from '../db/connection';
import { prepareSql, valueRows } from '../db/plain-sql';
import { prepared } from '../db/prepared';
import { requestEvents, sessionRequests, users, type SessionRequestRow } from '../db/schema';
import { webhookEventsOf } from '../../lib/domain/webhooks';
import { createLinkToken } from './link-tokens';
import { pushForChanges } from './push-triggers';
import { forgetReportDays } from './report-days';
import { enqueueWebhooks, type WebhookEvent } from './webhooks';

export function assignmentOf(row: SessionRequestRow): Assignment {
	if (row.assignmentKind === 'agent' && row.assigneeId) {
		return { kind: 'agent', userId: row.assigneeId };
	}
	if (row.assignmentKind === 'queue' && row.queueId) return { kind: 'queue', queueId: row.queueId };
	return { kind: 'unassigned' };
}

export function assignmentColumns(assignment: Assignment) {
	return {
		assignmentKind: assignment.kind,
		assigneeId: assignment.kind === 'agent' ? assignment.userId : null,
		queueId: assignment.kind === 'queue' ? assignment.queueId : null
	};
}

export function visibilityOf(row: SessionRequestRow): VisibilityFacts {
	return { assignment: assignmentOf(row), createdBy: row.createdBy ?? SYSTEM_ACTOR };
}

export function sessionLink(app: Beckon, row: SessionRequestRow): string {
	return `${app.config.publicUrl}/s/${createLinkToken(app.secret, row.id, row.linkVersion)}`;
}

export function toSessionRequest(app: Beckon, row: SessionRequestRow, now: number): SessionRequest {
	const status = effectiveStatus(row.status, row.expiresAt, now);
	const terminal = isTerminal(status);
	return {
		id: row.id,
		recipientName: row.recipientName,
		recipientEmail: row.recipientEmail,
		sendEmail: row.sendEmail,
		emailLanguage: row.emailLanguage,
		comments: row.comments,
		scheduledAt: toIso(row.scheduledAt),
		timeZone: row.timeZone,
		expiresAt: toIso(row.expiresAt),
		assignment: assignmentOf(row),
		status,
		closedReason: status === 'closed' ? row.closedReason : null,
		connectRequested: status === 'waiting' && row.connectRequested,
		endUserSeenAt: toIso(row.endUserSeenAt),
		createdBy: row.createdBy ?? SYSTEM_ACTOR,
		source: row.source,
		createdAt: toIso(row.createdAt),
		updatedAt: toIso(row.updatedAt),
		statusChangedAt: toIso(status === row.status ? row.statusChangedAt : row.expiresAt),
		version: row.version,
		link: terminal ? null : sessionLink(app, row),
		anonymizedAt: toIso(row.anonymizedAt)
	};
}

const rowById = prepared((db) =>
	db
		.select()
		.from(sessionRequests)
		.where(eq(sessionRequests.id, sql.placeholder('id')))
		.prepare()
);

export function findRow(app: Beckon, id: string): SessionRequestRow | undefined {
	return rowById(app.db).get({ id });
}

// Whether a row exists, without reading and mapping its columns (a create's id check).
const idExists = prepared((db) =>
	prepareSql(db, (param) => `SELECT 1 FROM session_requests WHERE id = ${param()}`).pluck()
);

export function requestExists(app: Beckon, id: string): boolean {
	return idExists(app.db).get(id) !== undefined;
}

// Which of many ids exist, in one statement: the ids as one JSON array.
const idsExisting = prepared((db) =>
	prepareSql(db, (param, dialect) =>
		dialect === 'postgres'
			? `SELECT id FROM session_requests WHERE id IN (SELECT json_array_elements_text(${param()}::json))`
			: `SELECT id FROM session_requests WHERE id IN (SELECT value FROM json_each(${param()}))`
	).pluck()
);

/** Those of `ids` that are stored (a run of creates' id checks, one statement for them all). */
export function existingRequestIds(app: Beckon, ids: readonly string[]): Set<string> {
	if (ids.length === 0) return new Set();
	return new Set(idsExisting(app.db).all(JSON.stringify(ids)) as string[]);
}

const ROW_COLUMNS = getTableColumns(sessionRequests);

/** Each column, and whether its value needs the column's own encoding. */
const COLUMNS = Object.entries(ROW_COLUMNS).map(([key, column]) => ({
	key,
	column,
	// Numbers and strings bind as they are; booleans as 0/1, as the query builder binds them.
	encoded: column.columnType !== 'SQLiteInteger' && column.columnType !== 'SQLiteText'
}));
const COLUMN_BY_KEY = new Map(COLUMNS.map((c) => [c.key, c]));

/** Every column of a row, for plain SQL that reads whole rows in `raw()` mode (`rowsFrom`). */
export const ROW_SELECT = COLUMNS.map(({ column }) => column.name).join(', ');

/**
 * One row read with plain SQL selecting ROW_SELECT, in `raw()` mode (an array), as the query
 * builder maps it. Written once from the column list as one object literal: 13× faster than
 * setting each key in a loop (keyed stores of varying names), and every row gets the same shape.
 * The expiry sweep maps 10,000 rows a run. The source holds only the schema's own keys.
 */
const rowFrom = new Function(
	'value',
	'decode',
	`return { ${COLUMNS.map(({ key, encoded }, i) =>
		encoded
			? `${key}: value[${i}] === null ? null : decode[${i}](value[${i}])`
			: `${key}: value[${i}]`
	).join(', ')} };`
) as (
	value: readonly unknown[],
	decode: readonly ((value: unknown) => unknown)[]
) => SessionRequestRow;

const DECODE = COLUMNS.map(({ column }) => column.mapFromDriverValue.bind(column));

/**
 * Rows read with plain SQL selecting ROW_SELECT, in `raw()` mode (arrays), as the query builder
 * maps them: its per-column mapping cost the expiry sweep more than reading the rows did.
 */
export function rowsFrom(values: readonly unknown[][]): SessionRequestRow[] {
	return values.map((value) => rowFrom(value, DECODE));
}

/**
 * The columns a report reads (services/reports.ts), which its covering index names: a write
 * changing none of them changes no report, so it keeps the day summaries (report-days.ts).
 */
const REPORT_KEYS: ReadonlySet<string> = new Set(
	getTableConfig(sessionRequests)
		.indexes.find((i) => i.config.name === 'session_requests_report_idx')!
		.config.columns.map(
			(c) => COLUMNS.find(({ column }) => column.name === (c as Column).name)!.key
		)
);

/** A value as the driver binds it for the column `key` (plain SQL skips drizzle's mapping). */
function bound(key: string, value: unknown): unknown {
	const column = COLUMN_BY_KEY.get(key);
	if (!column) throw new Error(`session_requests has no column ${key}`);
	return value !== null && column.encoded ? column.column.mapToDriverValue(value) : value;
}

function bindRow(row: SessionRequestRow, params: unknown[]) {
	const values = row as Record<string, unknown>;
	for (const { key, column, encoded } of COLUMNS) {
		const value = values[key];
		params.push(value !== null && encoded ? column.mapToDriverValue(value) : value);
	}
}

/** Rows per multi-row INSERT: 100 × 23 parameters, far below SQLite's limit of 32,766. */
const ROWS_PER_INSERT = 100;

// Plain SQL with every column a parameter, one statement per number of rows (1 to
// ROWS_PER_INSERT), made when first needed: the query builder's per-call placeholder mapping
// and RETURNING row cost more than the insert.
const insertManyStatements = prepared(() => new Map<number, SqlStatement>());

function insertManyStatement(db: DB, count: number): SqlStatement {
	const statements = insertManyStatements(db);
	let statement = statements.get(count);
	if (!statement) {
		const columns = COLUMNS.map(({ column }) => column.name);
		statement = prepareSql(
			db,
			(param) =>
				`INSERT INTO session_requests (${columns.join(', ')}) VALUES ${valueRows(param, count, columns.length)}`
		);
		statements.set(count, statement);
	}
	return statement;
}

/**
 * Inserts new request rows, every column given, in the given order (inside the caller's
 * transaction), a hundred per statement.
 */
export function insertRows(app: Beckon, rows: readonly SessionRequestRow[]) {
	for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
		const end = Math.min(start + ROWS_PER_INSERT, rows.length);
		const params: unknown[] = [];
		for (let i = start; i < end; i++) bindRow(rows[i], params);
		insertManyStatement(app.db, end - start).run(params);
	}
	forgetReportDays(
		app,
		rows.map((row) => row.createdAt)
	);
}

/** The row if `viewer` may see it; otherwise NOT_FOUND, whether it exists or not. */
export function loadVisibleRow(app: Beckon, viewer: Viewer, id: string): SessionRequestRow {
	const row = findRow(app, id);
	if (!row || !canSee(viewer, visibilityOf(row))) throw notFound('No such session request');
	return row;
}

export function userName(app: Beckon, id: string | null): string | null {
	if (!id) return null;
	return (
		app.db.select({ name: users.name }).from(users).where(eq(users.id, id)).get()?.name ?? null
	);
}

export function eventsOf(app: Beckon, requestId: string) {
	return app.db
		.select()
		.from(requestEvents)
		.where(eq(requestEvents.requestId, requestId))
		.orderBy(requestEvents.id)
		.all()
		.map((e) => ({ ...e, at: toIso(e.at) }));
}

export interface ChangeSpec {
	action: Action;
	actor: Actor;
	event: { type: EventType; data?: Record<string, unknown> };
	/** Column changes besides those the lifecycle decides (status, closedReason, connect). */
	patch?: Partial<Omit<SessionRequestRow, 'id' | 'version' | 'createdAt' | 'createdBy'>>;
}

/** What every change writes, besides the columns of its patch. */
const CHANGE_COLUMNS = [
	'status',
	'closedReason',
	'connectRequested',
	'statusChangedAt',
	'updatedAt',
	'version'
] as const;

/**
 * The UPDATE of a write, in plain SQL prepared once per set of columns it changes (a handful per
 * kind of change): no SQL is built per write, no RETURNING row is mapped (the sweep writes
 * thousands a run), and only the columns that change, and their indexes, are written.
 * Guarded by the version read, so a row changed since then is not overwritten.
 */
const updateStatements = prepared(() => new Map<string, SqlStatement>());

function updateStatement(db: DB, keys: readonly string[]): SqlStatement {
	const statements = updateStatements(db);
	const key = keys.join(',');
	let statement = statements.get(key);
	if (!statement) {
		statement = prepareSql(db, (param) => {
			const set = keys.map((k) => `${COLUMN_BY_KEY.get(k)!.column.name} = ${param()}`).join(', ');
			return `UPDATE session_requests SET ${set} WHERE id = ${param()} AND version = ${param()}`;
		});
		statements.set(key, statement);
	}
	return statement;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
	return true;
}

/** A new row's report facts (see reportTimesOf): none yet. */
export const NO_REPORT_TIMES = {
	firstOpenedAt: null,
	sessionStartedAt: null,
	sessionEndedAt: null
} as const satisfies Partial<SessionRequestRow>;

type ReportTimes = Partial<Pick<SessionRequestRow, keyof typeof NO_REPORT_TIMES>>;

/** The event types that move a request's report facts. */
const REPORT_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>([
	'link_opened',
	'session_started',
	'session_ended',
	'closed'
]);

/**
 * The report facts (services/reports.ts) an event at `at` moves, as the timeline defines them:
 * the first `link_opened`, the first `session_started`, and the first `session_ended` or `closed`
 * at or after that start. Each is the earliest such event ever, so a reopened request keeps the
 * ones of its first life, as a computation over its timeline finds them.
 */
function reportTimesOf(row: SessionRequestRow, type: EventType, at: number): ReportTimes {
	const earlier = (current: number | null) => current === null || at < current;
	if (type === 'link_opened') return earlier(row.firstOpenedAt) ? { firstOpenedAt: at } : {};
	if (type === 'session_started') {
		return earlier(row.sessionStartedAt) ? { sessionStartedAt: at } : {};
	}
	const started = row.sessionStartedAt;
	return started !== null && at >= started && earlier(row.sessionEndedAt)
		? { sessionEndedAt: at }
		: {};
}

/** A write of an existing row: the columns it sets (besides its version), and its event if any. */
export interface RowWrite {
	row: SessionRequestRow;
	/** Undefined values leave their column as it is, as with a query builder's set(). */
	set: Partial<Omit<SessionRequestRow, 'id' | 'version' | 'createdAt' | 'createdBy'>>;
	event?: { actor: Actor; type: EventType; data?: Record<string, unknown> };
	/** The status every read reported before a lifecycle write (its webhook's `from`). */
	from?: Status;
}

/**
 * The one write path for existing request rows — lifecycle changes, the sweep's expiries,
 * presence, mail outcomes on the timeline, reminders: each write, in order, inside the caller's
 * transaction, sets its columns and a new version (the writes' versions taken in one step), guarded
 * by the version its row was read at; its event is appended (all of them in one statement per
 * hundred); the Web Push alerts it calls for are queued (push-triggers.ts); a notification is held
 * for after the commit. Returns the rows as written.
 */
export function writeRows(app: Beckon, writes: readonly RowWrite[]): SessionRequestRow[] {
	if (writes.length === 0) return [];
	const now = app.clock();
	const first = takeVersions(app.db, writes.length);
	const events: NewEvent[] = [];
	/** When the rows whose writes change a column a report reads were created. */
	const reported: number[] = [];
	// A batch's writes are mostly of one kind: its statement is looked up once per run of them.
	let statementKeys: readonly string[] = [];
	let statement: SqlStatement | undefined;
	const written = writes.map(({ row, set, event }, i) => {
		const values: Record<string, unknown> = {};
		const keys: string[] = [];
		const params: unknown[] = [];
		// An event that moves the report's facts writes them with it.
		const columns =
			event && REPORT_EVENT_TYPES.has(event.type)
				? { ...set, ...reportTimesOf(row, event.type, now) }
				: set;
		let reports = false;
		for (const key in columns) {
			const value = columns[key as keyof typeof columns];
			// A column set to the value it has is left out: a lifecycle write sets all of its state
			// (an expiry: status, closed reason, connect request, times), mostly as it was.
			if (value === undefined || value === row[key as keyof SessionRequestRow]) continue;
			values[key] = value;
			keys.push(key);
			params.push(bound(key, value));
			if (REPORT_KEYS.has(key)) reports = true;
		}
		if (reports) reported.push(row.createdAt);
		values.version = first + i;
		keys.push('version');
		params.push(values.version, row.id, row.version);
		// Keyed by the columns in the order the caller set them, changed ones only: one statement
		// per kind of write and columns it changes (a handful of each), made once.
		if (!statement || !sameKeys(keys, statementKeys)) {
			statement = updateStatement(app.db, keys);
			statementKeys = keys;
		}
		const result = statement.run(params);
		if (result.changes !== 1) {
			throw new Error(`session request ${row.id} changed under a write transaction`);
		}
		if (event) {
			const { actor, type, data = {} } = event;
			events.push({ requestId: row.id, actor, type, data, at: now });
		}
		return { ...row, ...values } as SessionRequestRow;
	});
	forgetReportDays(app, reported);
	appendEvents(app, events);
	pushForChanges(
		app,
		written.map((after, i) => ({
			before: writes[i].row,
			after,
			actor: writes[i].event?.actor ?? null
		}))
	);
	enqueueWebhooks(app, webhookEventsOfWrites(app, writes, written, now));
	written.forEach((updated, i) => {
		const before = visibilityOf(writes[i].row);
		app.bus.hold({
			requestId: updated.id,
			before,
			after: visibilityOf(updated),
			written: { row: updated }
		});
	});
	return written;
}

/** A request as webhooks carry it: as the API returns it, without its link (a credential). */
export function webhookData(app: Beckon, row: SessionRequestRow, now: number) {
	const { link: _link, ...request } = toSessionRequest(app, row, now);
	return request as Record<string, unknown>;
}

/** The webhook events of a batch of writes (the outbox rows are written only for subscribers). */
function webhookEventsOfWrites(
	app: Beckon,
	writes: readonly RowWrite[],
	written: readonly SessionRequestRow[],
	now: number
): WebhookEvent[] {
	const events: WebhookEvent[] = [];
	writes.forEach(({ row, event, from }, i) => {
		const after = written[i];
		const to = after.status;
		const before = from ?? row.status;
		for (const type of webhookEventsOf({ event: event?.type ?? null, from: before, to })) {
			events.push({
				type,
				requestId: after.id,
				data: () => {
					const data = webhookData(app, after, now);
					if (type === 'request.status_changed') return { ...data, from: before, to };
					if (type === 'email.failed') {
						const mail = event?.data ?? {};
						return {
							...data,
							email: {
								id: mail.mailId,
								kind: mail.kind,
								attempts: mail.attempts,
								error: mail.error
							}
						};
					}
					return data;
				}
			});
		}
	});
	return events;
}

/** What a lifecycle action writes: its next state, stamped now. */
function lifecycleWrite(row: SessionRequestRow, spec: ChangeSpec, now: number): RowWrite {
	const current = {
		// Expiring writes down what reads already report, so it is judged by the stored status.
		status: spec.action === 'expire' ? row.status : effectiveStatus(row.status, row.expiresAt, now),
		connectRequested: row.connectRequested,
		closedReason: row.closedReason
	};
	const next = transition(current, spec.action);
	const patch = spec.patch
		? Object.fromEntries(
				Object.entries(spec.patch).filter(
					([name]) => !(CHANGE_COLUMNS as readonly string[]).includes(name)
				)
			)
		: undefined;
	return {
		row,
		set: {
			...patch,
			status: next.status,
			closedReason: next.closedReason,
			connectRequested: next.connectRequested,
			// Against the status reads reported: reopening a request that expired by the clock alone
			// (not yet swept) is a change of status too.
			statusChangedAt: next.status !== current.status ? now : row.statusChangedAt,
			updatedAt: now
		},
		event: { actor: spec.actor, type: spec.event.type, data: spec.event.data ?? {} },
		from: current.status
	};
}

/**
 * Applies one lifecycle action to a row inside the caller's transaction: checks the transition
 * against the status every read would report, and writes it through writeRows (version, event,
 * notification). Throws (and writes nothing) when the transition is illegal.
 */
export function recordChange(app: Beckon, row: SessionRequestRow, spec: ChangeSpec) {
	// An anonymised request keeps its history as it is: no lifecycle change any more.
	if (row.anonymizedAt !== null) throw anonymizedRefusal();
	return writeRows(app, [lifecycleWrite(row, spec, app.clock())])[0];
}

/**
 * Records that the end user is still on the link page, as a change agents' devices sync (a new
 * version) but not an event: presence is not part of the request's history. The caller decides
 * how often (link-page.ts), so that a page open for an hour costs a version a minute or so.
 */
export function recordPresence(app: Beckon, row: SessionRequestRow, seenAt: number) {
	return writeRows(app, [{ row, set: { endUserSeenAt: seenAt } }])[0];
}

/**
 * Writes the removal of the end user's personal data (services/privacy.ts) inside the caller's
 * transaction, as a change devices sync: `patch` on the row, a new version, the event and a
 * notification, so every device that holds the request replaces its copy on its next pull. The
 * status is not a lifecycle move: it stays as it is.
 */
export function recordAnonymization(
	app: Beckon,
	row: SessionRequestRow,
	patch: Pick<
		SessionRequestRow,
		'recipientName' | 'recipientEmail' | 'sendEmail' | 'comments' | 'timeZone' | 'anonymizedAt'
	>,
	actor: Actor,
	event: { type: 'anonymized' | 'erased'; data: Record<string, unknown> }
) {
	return writeRows(app, [
		{ row, set: { ...patch, updatedAt: app.clock() }, event: { actor, ...event } }
	])[0];
}

/**
 * Expires `rows` (live, past their expiry) inside the caller's transaction: for each, what
 * recordChange(row, { action: 'expire', actor, event: { type: 'expired', … } }) writes, in one
 * writeRows call.
 */
export function recordExpiries(
	app: Beckon,
	rows: readonly SessionRequestRow[],
	actor: Actor
): SessionRequestRow[] {
	const now = app.clock();
	return writeRows(
		app,
		rows.map((row) =>
			lifecycleWrite(
				row,
				{
					action: 'expire',
					actor,
					event: { type: 'expired', data: { expiresAt: new Date(row.expiresAt).toISOString() } }
				},
				now
			)
		)
	);
}

/** One event to append; `appendEvents` writes many in one statement per hundred. */
export interface NewEvent {
	requestId: string;
	actor: Actor;
	type: EventType;
	data: Record<string, unknown>;
	at: number;
}

const insertEventsStatements = prepared(() => new Map<number, SqlStatement>());

/** Appends events in the given order, a hundred per statement. */
export function appendEvents(app: Beckon, events: readonly NewEvent[]) {
	const statements = insertEventsStatements(app.db);
	for (let start = 0; start < events.length; start += ROWS_PER_INSERT) {
		const end = Math.min(start + ROWS_PER_INSERT, events.length);
		let statement = statements.get(end - start);
		if (!statement) {
			statement = prepareSql(
				app.db,
				(param) =>
					`INSERT INTO request_events (request_id, actor, type, data, at) VALUES ${valueRows(param, end - start, 5)}`
			);
			statements.set(end - start, statement);
		}
		const params: unknown[] = [];
		for (let i = start; i < end; i++) {
			const e = events[i];
			params.push(e.requestId, e.actor, e.type, JSON.stringify(e.data), e.at);
		}
		statement.run(params);
	}
}
