/**
 * The expiry sweeper: writes `expired` (with its event and a new version) on live requests whose
 * expiry has passed. Reads already report them expired; the sweep makes it durable and syncs it.
 */
import { EXPIRABLE_STATUSES, SYSTEM_ACTOR } from '../../lib/domain/types';
import { write, type Beckon } from '../app';
import { prepareSql } from '../db/plain-sql';
import { prepared } from '../db/prepared';
import { mailForExpiry } from '../services/mail-triggers';
import { recordExpiries, rowsFrom, ROW_SELECT } from '../services/request-records';
import { periodically } from './periodic';

const BATCH = 1000;

// Served by the (status, expires_at) index: cost grows with the due count, not the table. No
// ORDER BY: every due row is expired anyway, and sorting them all again for each batch was most
// of the sweep's cost. Plain SQL, rows mapped by rowsFrom.
const dueRequests = prepared((db) =>
	prepareSql(
		db,
		(param) =>
			`SELECT ${ROW_SELECT} FROM session_requests
			 WHERE status IN (${EXPIRABLE_STATUSES.map((s) => `'${s}'`).join(', ')}) AND expires_at <= ${param()}
			 LIMIT ${BATCH}`
	).raw()
);

/** Expires every due request, a batch per transaction; returns how many it expired. */
export function expireDueRequests(app: Beckon): number {
	let total = 0;
	for (;;) {
		const expired = write(app, () => {
			const due = rowsFrom(dueRequests(app.db).all(app.clock()) as unknown[][]);
			for (const row of recordExpiries(app, due, SYSTEM_ACTOR)) {
				// In the sweep's transaction: the notice is written if and only if the expiry is.
				mailForExpiry(app, row);
			}
			return due.length;
		});
		total += expired;
		if (expired < BATCH) return total;
	}
}

/** Starts sweeping every `intervalMs`; returns the function that stops it. */
export function start(app: Beckon, intervalMs = 15_000): () => void {
	return periodically('expiry sweep', intervalMs, () => expireDueRequests(app));
}
