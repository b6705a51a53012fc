/**
 * The pruner: deletes sign-in sessions past their expiry (they no longer sign anyone in, but
 * their hashes need not be kept), refused-mutation records older than `REFUSALS_KEPT_MS`, and the
 * session keys of live sessions that are over (services/session-keys.ts), and pushes that failed
 * for good a day ago (services/push.ts).
 *
 * A refusal is kept so that a device repeating a push whose answer it lost gets the same answer.
 * Devices repeat within seconds, or when they come back online; one that lost an answer and
 * returns after more than 30 days is told its refused change was applied, and its next pull
 * (which it makes right after every push) shows the server's state, so no data is wrong.
 */
import { write, type Beckon } from '../app';
import { prepareSql } from '../db/plain-sql';
import { prepared } from '../db/prepared';
import { log } from '../log';
import { periodically } from './periodic';

export const REFUSALS_KEPT_MS = 30 * 86_400_000;

const deleteExpiredSessions = prepared((db) =>
	prepareSql(db, (param) => `DELETE FROM sessions WHERE expires_at <= ${param()}`)
);
const deleteOldRefusals = prepared((db) =>
	prepareSql(db, (param) => `DELETE FROM sync_mutations WHERE processed_at < ${param()}`)
);

// Pushes that failed for good: kept a day for whoever looks into why, then gone.
export const FAILED_PUSHES_KEPT_MS = 86_400_000;
const deleteOldFailedPushes = prepared((db) =>
	prepareSql(
		db,
		(param) => `DELETE FROM push_outbox WHERE status = 'failed' AND created_at < ${param()}`
	)
);

// The keys of live sessions that are over (services/session-keys.ts). Their names are written in
// lower case, so LIKE finds them on both databases (SQLite's ignores ASCII case, PostgreSQL's not).
const deleteSessionKeysOfEndedSessions = prepared((db) =>
	db.$client.prepare(
		`DELETE FROM server_keys WHERE name LIKE 'session-key:%' AND substr(name, 13) NOT IN
		 (SELECT id FROM session_requests WHERE status IN ('ready', 'connected'))`
	)
);

/** Deletes what is due; returns how many rows of each kind went. */
export function pruneExpired(app: Beckon): {
	sessions: number;
	refusals: number;
	sessionKeys: number;
	failedPushes: number;
} {
	const now = app.clock();
	return write(app, () => ({
		sessions: deleteExpiredSessions(app.db).run(now).changes,
		refusals: deleteOldRefusals(app.db).run(now - REFUSALS_KEPT_MS).changes,
		sessionKeys: deleteSessionKeysOfEndedSessions(app.db).run().changes,
		failedPushes: deleteOldFailedPushes(app.db).run(now - FAILED_PUSHES_KEPT_MS).changes
	}));
}

/** Prunes now and every `intervalMs` (an hour); returns the function that stops it. */
export function start(app: Beckon, intervalMs = 3_600_000): () => void {
	return periodically('pruning', intervalMs, () => {
		const pruned = pruneExpired(app);
		if (Object.values(pruned).some((count) => count > 0)) {
			log.info(pruned, 'pruned expired records');
		}
	});
}
