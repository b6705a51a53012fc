/**
 * The retention sweeper: anonymises closed and expired requests once the organisation's retention
 * period (settings `retentionDays`, off by default) has passed since they became terminal. Each
 * batch is read and written in one write transaction, which on PostgreSQL holds the write lock
 * every instance takes: a second instance sweeping at the same time reads the batch only after
 * it committed, finds those rows anonymised, and never does one twice.
 */
import { and, inArray, isNull, lte, sql } from 'drizzle-orm';
import { retentionCutoff } from '../../lib/domain/privacy';
import { SYSTEM_ACTOR } from '../../lib/domain/types';
import { write, type Beckon } from '../app';
import { prepared } from '../db/prepared';
import { sessionRequests } from '../db/schema';
import { anonymizeRequest } from '../services/privacy';
import { getSettings } from '../services/settings';
import { log } from '../log';
import { periodically } from './periodic';

const BATCH = 200;

// Served by the (status, status_changed_at) index.
const dueRequests = prepared((db) =>
	db
		.select()
		.from(sessionRequests)
		.where(
			and(
				inArray(sessionRequests.status, ['closed', 'expired']),
				lte(sessionRequests.statusChangedAt, sql.placeholder('cutoff')),
				isNull(sessionRequests.anonymizedAt)
			)
		)
		.limit(BATCH)
		.prepare()
);

/** Anonymises every request past retention, a batch per transaction; returns how many. */
export function anonymizeDueRequests(app: Beckon): number {
	let total = 0;
	for (;;) {
		const done = write(app, () => {
			// Read inside the transaction: a setting changed meanwhile applies from this batch on.
			const { retentionDays } = getSettings(app);
			if (retentionDays === null) return 0;
			const due = dueRequests(app.db).all({ cutoff: retentionCutoff(app.clock(), retentionDays) });
			for (const row of due) {
				anonymizeRequest(app, row, SYSTEM_ACTOR, { type: 'anonymized', data: { retentionDays } });
			}
			return due.length;
		});
		total += done;
		if (done < BATCH) return total;
	}
}

/** Starts sweeping every `intervalMs`; returns the function that stops it. */
export function start(app: Beckon, intervalMs = 10 * 60_000): () => void {
	return periodically('retention sweep', intervalMs, () => {
		const anonymized = anonymizeDueRequests(app);
		if (anonymized > 0) log.info({ anonymized }, 'retention anonymised requests');
	});
}
