/**
 * What the outboxes (mail, pushes, webhooks) share: whether one has a row due now, the check the
 * delivery jobs make before a pass (jobs/outbox-job.ts).
 */
import type { Beckon } from '../app';
import { prepared } from '../db/prepared';

export type OutboxTable = 'mail_outbox' | 'push_outbox' | 'webhook_deliveries';

// Served by each table's (status, next_attempt_at) index.
const dueStatements = prepared((db) => {
	const due = (table: OutboxTable) =>
		db.$client.prepare(
			`SELECT 1 FROM ${table} WHERE status IN ('pending', 'sending') AND next_attempt_at <= ? LIMIT 1`
		);
	return {
		mail_outbox: due('mail_outbox'),
		push_outbox: due('push_outbox'),
		webhook_deliveries: due('webhook_deliveries')
	};
});

/** Whether `table` holds a row due now: pending, or sending past its lease. */
export function outboxDue(app: Beckon, table: OutboxTable): boolean {
	return dueStatements(app.db)[table].get(app.clock()) !== undefined;
}
