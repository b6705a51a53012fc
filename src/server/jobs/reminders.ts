/**
 * Reminders: at `scheduledAt − reminderLead` the end user and the assigned agent get one
 * reminder each. The marker `reminder_sent_at` is set in the same transaction as the reminder
 * mail is queued, so each schedule is reminded exactly once; it is cleared when the schedule
 * changes. A moment that passed while the server was down is caught up at the next start (late
 * rather than never), unless the session has started or the request is closed or expired.
 */
import { EXPIRABLE_STATUSES } from '../../lib/domain/types';
import { and, asc, gt, inArray, isNotNull, isNull, lte } from 'drizzle-orm';
import { parseDuration } from '../../lib/domain/rules';
import { write, type Beckon } from '../app';
import { sessionRequests } from '../db/schema';
import { mailReminders } from '../services/mail-triggers';
import { writeRows } from '../services/request-records';
import { getSettings } from '../services/settings';
import { periodically } from './periodic';

const BATCH = 500;

function reminderLeadMs(app: Beckon): number {
	return parseDuration(getSettings(app).reminderLead) ?? app.config.reminderLeadMs;
}

/** Queues every reminder that is due; returns how many requests were reminded. */
export function sendDueReminders(app: Beckon): number {
	const leadMs = reminderLeadMs(app);
	let total = 0;
	for (;;) {
		const reminded = write(app, () => {
			const now = app.clock();
			const due = app.db
				.select()
				.from(sessionRequests)
				.where(
					and(
						isNotNull(sessionRequests.scheduledAt),
						lte(sessionRequests.scheduledAt, now + leadMs),
						isNull(sessionRequests.reminderSentAt),
						// Not started (connected), not terminal, not expired by the clock either.
						inArray(sessionRequests.status, [...EXPIRABLE_STATUSES]),
						gt(sessionRequests.expiresAt, now)
					)
				)
				.orderBy(asc(sessionRequests.scheduledAt))
				.limit(BATCH)
				.all();
			for (const row of due) {
				mailReminders(app, { ...row, scheduledAt: row.scheduledAt as number });
			}
			writeRows(
				app,
				due.map((row) => ({ row, set: { reminderSentAt: now } }))
			);
			return due.length;
		});
		total += reminded;
		if (reminded < BATCH) return total;
	}
}

/** Checks for due reminders at start (catching up after downtime) and every `intervalMs`. */
export function start(app: Beckon, intervalMs = 15_000): () => void {
	return periodically('reminder check', intervalMs, () => sendDueReminders(app));
}
