/**
 * Test data written straight into SQLite, one prepared statement in one transaction: seeding
 *100,000 or 1,000,000 requests through the API would take longer than the benchmark itself.
 * The same code is the "raw better-sqlite3" baseline of the push benchmark.
 */
import type { SqlConnection } from '../../src/server/db/connection';

export const DAY = 86_400_000;

/** A deterministic UUID (version 7 layout) per index: unique, valid and free to make. */
export function benchId(prefix: number, index: number): string {
	const hex = index.toString(16).padStart(12, '0');
	return `${prefix.toString(16).padStart(8, '0')}-0000-7000-8000-${hex}`;
}

export interface SeedRow {
	id: string;
	recipientName: string;
	recipientEmail: string | null;
	comments: string;
	expiresAt: number;
	status: 'open' | 'waiting' | 'ready' | 'closed';
	assigneeId: string | null;
	createdBy: string;
	at: number;
}

/** A realistic request: a name, an email, a line of comments, assigned to `assigneeId`. */
export function sampleRow(i: number, fields: Partial<SeedRow> & { createdBy: string }): SeedRow {
	const at = fields.at ?? Date.now();
	return {
		id: benchId(0xbe, i),
		recipientName: `Recipient ${String(i).padStart(6, '0')}`,
		recipientEmail: `recipient${i}@example.com`,
		comments: `Printer on floor ${i % 9} will not connect to the office network (ticket ${i}).`,
		expiresAt: at + 7 * DAY,
		status: 'open',
		assigneeId: fields.createdBy,
		...fields,
		at
	};
}

const INSERT_REQUEST = `INSERT INTO session_requests (id, recipient_name, recipient_email, send_email,
	email_language, comments, scheduled_at, expires_at, assignment_kind, assignee_id, queue_id, status,
	closed_reason, connect_requested, link_version, end_user_seen_at, created_by, created_at,
	updated_at, status_changed_at, version)
	VALUES (?, ?, ?, 0, 'en', ?, NULL, ?, ?, ?, NULL, ?, ?, 0, 1, NULL, ?, ?, ?, ?, ?)`;
const INSERT_EVENT = `INSERT INTO request_events (request_id, type, actor, at, data)
	VALUES (?, 'created', ?, ?, ?)`;

/**
 * Inserts `count` rows made by `make(i)` with fresh versions from the server-wide counter, and
 * (with `events`) their `created` events, in one transaction. Returns the last version.
 */
export function insertRequests(
	sqlite: SqlConnection,
	count: number,
	make: (i: number) => SeedRow,
	options: { events: boolean }
): number {
	const insertRequest = sqlite.prepare(INSERT_REQUEST);
	const insertEvent = sqlite.prepare(INSERT_EVENT);
	const counter = sqlite.prepare(
		`UPDATE counters SET value = value + ? WHERE name = 'version' RETURNING value`
	);
	return sqlite
		.transaction(() => {
			const last = (counter.get(count) as { value: number }).value;
			let version = last - count;
			for (let i = 0; i < count; i++) {
				const r = make(i);
				version += 1;
				insertRequest.run(
					r.id,
					r.recipientName,
					r.recipientEmail,
					r.comments,
					r.expiresAt,
					r.assigneeId ? 'agent' : 'unassigned',
					r.assigneeId,
					r.status,
					r.status === 'closed' ? 'completed' : null,
					r.createdBy,
					r.at,
					r.at,
					r.at,
					version
				);
				if (options.events) {
					const assignment = r.assigneeId
						? { kind: 'agent', userId: r.assigneeId }
						: { kind: 'unassigned' };
					insertEvent.run(r.id, r.createdBy, r.at, JSON.stringify({ assignment }));
				}
			}
			return last;
		})
		.immediate();
}
