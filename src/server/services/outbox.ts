/**
 * What the outboxes (mail, pushes, webhooks) share: which row is due, whether one is (the check
 * the delivery jobs make before a pass, jobs/outbox-job.ts), and the claim of one row for one
 * delivery attempt. Each service then loads its claimed row, sends it and records the outcome.
 */
import { claim, type Beckon } from '../app';
import { prepareSql, type Param } from '../db/plain-sql';
import { prepared } from '../db/prepared';

export type OutboxTable = 'mail_outbox' | 'push_outbox' | 'webhook_deliveries';

/**
 * A row is due when it is `pending` with its attempt time reached, or `sending` past its lease
 * (its attempt died with its process). A webhook delivery is due only while its endpoint is
 * enabled: a disabled endpoint's deliveries wait, neither sent nor waking the job.
 */
const DUE: Record<OutboxTable, (param: Param) => string> = {
	mail_outbox: (param) => `status IN ('pending', 'sending') AND next_attempt_at <= ${param()}`,
	push_outbox: (param) => `status IN ('pending', 'sending') AND next_attempt_at <= ${param()}`,
	webhook_deliveries: (param) => `status IN ('pending', 'sending') AND next_attempt_at <= ${param()}
		AND endpoint_id IN (SELECT id FROM webhook_endpoints WHERE enabled = 1)`
};

const TABLES = Object.keys(DUE) as OutboxTable[];

function perTable<T>(make: (table: OutboxTable) => T): Record<OutboxTable, T> {
	return Object.fromEntries(TABLES.map((table) => [table, make(table)])) as Record<OutboxTable, T>;
}

// Served by each table's (status, next_attempt_at) index.
const statements = prepared((db) =>
	perTable((table) => ({
		due: prepareSql(db, (param) => `SELECT 1 FROM ${table} WHERE ${DUE[table](param)} LIMIT 1`),
		next: prepareSql(
			db,
			(param) =>
				`SELECT id FROM ${table} WHERE ${DUE[table](param)} ORDER BY next_attempt_at, id LIMIT 1`
		).pluck(),
		// Guarded by the due condition again: another claimant in between makes it a no-op.
		lease: prepareSql(
			db,
			(param) =>
				`UPDATE ${table} SET status = 'sending', attempts = attempts + 1, next_attempt_at = ${param()},
			   last_error = CASE WHEN status = 'sending' THEN ${param()} ELSE last_error END
			 WHERE id = ${param()} AND ${DUE[table](param)}`
		)
	}))
);

// On PostgreSQL several instances claim at once: each locks the row it takes and skips the rows
// others hold, so no two take the same one and none waits for another's claim. (Prepared apart:
// SQLite has no FOR UPDATE.)
const lockedNext = prepared((db) =>
	perTable((table) =>
		prepareSql(
			db,
			(param) => `SELECT id FROM ${table} WHERE ${DUE[table](param)}
				 ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`
		).pluck()
	)
);

/** Whether `table` holds a row due now. */
export function outboxDue(app: Beckon, table: OutboxTable): boolean {
	return statements(app.db)[table].due.get(app.clock()) !== undefined;
}

/** What a leased row's `last_error` says when its previous attempt never finished. */
export const INTERRUPTED_ATTEMPT =
	'The previous attempt did not finish (the server stopped while sending); sent again.';

/**
 * Claims the next due row of `table` for one delivery attempt: `sending`, one more attempt,
 * leased until `now + leaseMs`. Returns its id, or null when none is due. The claim is its own
 * committed transaction, so a crash during the attempt leaves a `sending` row whose lease runs
 * out, not a `pending` one that looks untouched.
 */
export function claimOutboxRow(app: Beckon, table: OutboxTable, leaseMs: number): string | null {
	return claim(app, () => {
		const now = app.clock();
		const next =
			app.dialect === 'postgres' ? lockedNext(app.db)[table] : statements(app.db)[table].next;
		const id = next.get(now) as string | undefined;
		if (id === undefined) return null;
		const leased = statements(app.db)[table].lease.run(now + leaseMs, INTERRUPTED_ATTEMPT, id, now);
		return leased.changes === 1 ? id : null;
	});
}
