/**
 * What must hold in any Beckon database, whatever happened to the process that wrote it: read
 * straight from the SQLite file (no server code involved), each broken rule reported as one line.
 *
 * - every request row has exactly one `created` event, its first;
 * - its events, replayed through the lifecycle table (src/lib/domain/lifecycle.ts), are a legal
 *   path that ends in the row's status, closed reason and pending connect request, and its
 *   assignment and link version follow from them (nothing half-applied);
 * - status, closed reason and connect request only appear in combinations the lifecycle allows;
 * - versions are unique and within the server-wide counter;
 * - each sync client's processed mutations are exactly 1…lastMutationId;
 * - every outbox email belongs to an existing request.
 */
import type Database from 'better-sqlite3';
import type { SqlConnection } from '../../../src/server/db/connection';
import { transition, type Action, type LifecycleState } from '../../../src/lib/domain/lifecycle';
import { CLOSED_REASONS, STATUSES, type Assignment } from '../../../src/lib/domain/types';
import { SyncPostgres } from '../../../src/server/db/postgres';

export interface RequestRow {
	id: string;
	status: string;
	closed_reason: string | null;
	connect_requested: number;
	assignment_kind: string;
	assignee_id: string | null;
	queue_id: string | null;
	link_version: number;
	send_email: number;
	created_by: string;
	expires_at: number;
	version: number;
}

export interface EventRow {
	id: number;
	request_id: string;
	type: string;
	actor: string;
	at: number;
	data: string;
}

/** The lifecycle action each event type records; mail outcomes change nothing. */
export const ACTION_OF_EVENT: Record<string, Action | null> = {
	link_opened: 'openLink',
	connect_requested: 'requestConnect',
	access_allowed: 'allow',
	access_denied: 'deny',
	declined: 'decline',
	session_started: 'start',
	session_ended: 'end',
	closed: 'close',
	expired: 'expire',
	reopened: 'reopen',
	expiry_extended: 'extend',
	updated: 'update',
	assigned: 'assign',
	taken: 'take',
	link_regenerated: 'regenerateLink',
	email_queued: null,
	email_sent: null,
	email_failed: null
};

/** The event type each sync mutation (and its `requests.*` procedure) writes. */
export const EVENT_OF_MUTATION: Record<string, string> = {
	createRequest: 'created',
	updateRequest: 'updated',
	assignRequest: 'assigned',
	takeRequest: 'taken',
	requestConnect: 'connect_requested',
	startSession: 'session_started',
	endSession: 'session_ended',
	closeRequest: 'closed',
	reopenRequest: 'reopened',
	extendExpiry: 'expiry_extended',
	regenerateLink: 'link_regenerated'
};

const sameAssignment = (a: Assignment, b: Assignment) => JSON.stringify(a) === JSON.stringify(b);

function assignmentOfRow(row: RequestRow): Assignment {
	if (row.assignment_kind === 'agent') return { kind: 'agent', userId: row.assignee_id ?? '' };
	if (row.assignment_kind === 'queue') return { kind: 'queue', queueId: row.queue_id ?? '' };
	return { kind: 'unassigned' };
}

export interface Replay {
	state: LifecycleState;
	assignment: Assignment | null;
	linkVersion: number;
	/** Times a transition was only legal once the request had expired by the clock. */
	implicitExpiries: number;
}

/**
 * Replays a request's events through the lifecycle. A live request past its expiry is expired to
 * every reader before the sweeper writes it, so an action that is only legal from `expired`
 * (a reopen) is accepted after an implicit expiry, and counted.
 */
export function replay(events: EventRow[]): { replay: Replay; errors: string[] } {
	const errors: string[] = [];
	let state: LifecycleState = { status: 'open', connectRequested: false, closedReason: null };
	let assignment: Assignment | null = null;
	let linkVersion = 1;
	let implicitExpiries = 0;
	events.forEach((event, index) => {
		const data = JSON.parse(event.data) as Record<string, unknown>;
		if (event.type === 'created') {
			if (index !== 0) errors.push(`a second created event (#${event.id})`);
			assignment = (data.assignment as Assignment | undefined) ?? null;
			return;
		}
		if (index === 0) errors.push(`first event is ${event.type}, not created`);
		if (!(event.type in ACTION_OF_EVENT)) {
			errors.push(`unknown event type ${event.type}`);
			return;
		}
		const action = ACTION_OF_EVENT[event.type];
		if (!action) return;
		try {
			state = transition(state, action);
		} catch {
			const expirable = ['open', 'waiting', 'ready'].includes(state.status);
			try {
				if (!expirable) throw new Error('not expirable');
				state = transition(transition(state, 'expire'), action);
				implicitExpiries += 1;
			} catch {
				errors.push(`illegal ${event.type} (#${event.id}) from ${state.status}`);
			}
		}
		if (event.type === 'assigned') assignment = data.to as Assignment;
		if (event.type === 'taken') assignment = { kind: 'agent', userId: event.actor };
		if (event.type === 'reopened' || event.type === 'link_regenerated') linkVersion += 1;
		// A replaced recipient email issued a new link.
		if (event.type === 'updated' && data.newLink === true) linkVersion += 1;
	});
	return { replay: { state, assignment, linkVersion, implicitExpiries }, errors };
}

/** Every broken invariant in the database, one line each (empty when all hold). */
export function checkDatabase(db: SqlConnection): string[] {
	const problems: string[] = [];
	const rows = db.prepare('SELECT * FROM session_requests').all() as RequestRow[];
	const events = db
		.prepare('SELECT * FROM request_events ORDER BY request_id, id')
		.all() as EventRow[];
	const byRequest = new Map<string, EventRow[]>();
	for (const event of events) {
		const list = byRequest.get(event.request_id) ?? [];
		list.push(event);
		byRequest.set(event.request_id, list);
	}
	const ids = new Set(rows.map((r) => r.id));
	for (const requestId of byRequest.keys()) {
		if (!ids.has(requestId)) problems.push(`events of a missing request ${requestId}`);
	}
	for (const row of rows) {
		const say = (text: string) => problems.push(`${row.id}: ${text}`);
		if (!(STATUSES as readonly string[]).includes(row.status)) say(`unknown status ${row.status}`);
		if ((row.status === 'closed') !== (row.closed_reason !== null)) {
			say(`status ${row.status} with closed reason ${row.closed_reason}`);
		}
		if (
			row.closed_reason !== null &&
			!(CLOSED_REASONS as readonly string[]).includes(row.closed_reason)
		) {
			say(`unknown closed reason ${row.closed_reason}`);
		}
		if (row.connect_requested && row.status !== 'waiting') {
			say(`a pending connect request while ${row.status}`);
		}
		const kind = row.assignment_kind;
		const columnsOk =
			(kind === 'agent' && row.assignee_id !== null && row.queue_id === null) ||
			(kind === 'queue' && row.queue_id !== null && row.assignee_id === null) ||
			(kind === 'unassigned' && row.assignee_id === null && row.queue_id === null);
		if (!columnsOk) say(`assignment columns ${kind}/${row.assignee_id}/${row.queue_id}`);

		const list = byRequest.get(row.id) ?? [];
		const created = list.filter((e) => e.type === 'created').length;
		if (created !== 1) say(`${created} created events`);
		const { replay: end, errors } = replay(list);
		for (const error of errors) say(error);
		const stored: LifecycleState = {
			status: row.status as LifecycleState['status'],
			closedReason: row.closed_reason as LifecycleState['closedReason'],
			connectRequested: row.connect_requested === 1
		};
		const same =
			end.state.status === stored.status &&
			end.state.closedReason === stored.closedReason &&
			end.state.connectRequested === stored.connectRequested;
		if (!same) {
			say(`row ${JSON.stringify(stored)} but its events lead to ${JSON.stringify(end.state)}`);
		}
		if (end.assignment && !sameAssignment(end.assignment, assignmentOfRow(row))) {
			say(
				`assigned ${JSON.stringify(assignmentOfRow(row))}, events say ${JSON.stringify(end.assignment)}`
			);
		}
		if (end.linkVersion !== row.link_version) {
			say(`link version ${row.link_version}, events say ${end.linkVersion}`);
		}
	}
	const versions = new Set(rows.map((r) => r.version));
	if (versions.size !== rows.length) problems.push('two requests share a version');
	const counter = db.prepare(`SELECT value FROM counters WHERE name = 'version'`).get() as
		{ value: number } | undefined;
	const maxVersion = Math.max(0, ...rows.map((r) => r.version));
	if (!counter || counter.value < maxVersion) {
		problems.push(`version counter ${counter?.value} is behind a row's version ${maxVersion}`);
	}
	// Only refusals are recorded, each at or below the client's last processed mutation id.
	const clients = db
		.prepare(
			`SELECT c.client_id AS id, c.last_mutation_id AS last,
			        coalesce(max(m.mutation_id), 0) AS hi, coalesce(min(m.mutation_id), 1) AS lo,
			        coalesce(sum(m.ok), 0) AS applied
			   FROM sync_clients c LEFT JOIN sync_mutations m ON m.client_id = c.client_id
			  GROUP BY c.client_id`
		)
		.all() as { id: string; last: number; hi: number; lo: number; applied: number }[];
	for (const c of clients) {
		if (c.hi > c.last || c.lo < 1 || c.applied > 0) {
			problems.push(
				`sync client ${c.id}: last ${c.last}, refusals recorded ${c.lo}…${c.hi}, ${c.applied} applied rows`
			);
		}
	}
	const orphanMail = db
		.prepare(
			`SELECT count(*) AS n FROM mail_outbox o
			  WHERE o.request_id IS NOT NULL
			    AND NOT EXISTS (SELECT 1 FROM session_requests r WHERE r.id = o.request_id)`
		)
		.get() as { n: number };
	if (orphanMail.n > 0) problems.push(`${orphanMail.n} emails of missing requests`);
	return problems;
}

/** `PRAGMA integrity_check` and `foreign_key_check`: 'ok' when the file is sound. */
export function checkFile(db: Database.Database): string {
	const integrity = db.pragma('integrity_check', { simple: true });
	if (integrity !== 'ok') return `integrity_check: ${String(integrity)}`;
	const foreign = db.pragma('foreign_key_check') as unknown[];
	if (foreign.length > 0) return `foreign_key_check: ${JSON.stringify(foreign.slice(0, 5))}`;
	return 'ok';
}

/** Row counts of every table (for "a refused call writes nothing"), on SQLite or PostgreSQL. */
export function tableCounts(db: SqlConnection): Record<string, number> {
	const tables = db
		.prepare(
			db instanceof SyncPostgres
				? `SELECT table_name AS name FROM information_schema.tables
				    WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_\\_drizzle%'
				    ORDER BY table_name`
				: `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
				    AND name NOT LIKE '__drizzle%' ORDER BY name`
		)
		.all() as { name: string }[];
	return Object.fromEntries(
		tables.map(({ name }) => [
			name,
			(db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n
		])
	);
}
