/**
 * A live session belongs to the link page that allowed it. Allowing issues a per-page secret
 * (the session key) that only that page receives; while the request is `ready` or `connected`,
 * every end-user action on the session — signalling, ICE servers, ending it, withdrawing consent,
 * declining — must carry it. A second holder of the link can then neither answer for the end
 * user nor inject offers or chat into the session.
 *
 * Only the key's SHA-256 is stored, in `server_keys` (`session-key:<request id>`), so every
 * instance on the database checks the same key; allowing again replaces it, and the pruner
 * drops the keys of requests no longer in a session.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { forbidden } from '../../lib/domain/errors';
import { effectiveStatus } from '../../lib/domain/rules';
import type { Beckon } from '../app';
import type { SessionRequestRow } from '../db/schema';
import { prepareSql } from '../db/plain-sql';
import { prepared } from '../db/prepared';

export const SESSION_KEY_PREFIX = 'session-key:';

const hashOf = (key: string) => createHash('sha256').update(key).digest();

const store = prepared((db) =>
	prepareSql(
		db,
		(param) => `INSERT INTO server_keys (name, value) VALUES (${param()}, ${param()})
		 ON CONFLICT (name) DO UPDATE SET value = excluded.value`
	)
);
const load = prepared((db) =>
	prepareSql(db, (param) => `SELECT value FROM server_keys WHERE name = ${param()}`)
);

/** A new key for the page allowing a session on `requestId` (in the caller's transaction). */
export function issueSessionKey(app: Beckon, requestId: string): string {
	const key = randomBytes(32).toString('base64url');
	store(app.db).run(SESSION_KEY_PREFIX + requestId, hashOf(key).toString('base64'));
	return key;
}

/**
 * Refuses an end-user action on `row` unless it carries the session's key — when a session is
 * allowed (`ready` or `connected`) and bound to a page. Before consent the link alone suffices.
 */
export function requireSessionKey(app: Beckon, row: SessionRequestRow, key: string | undefined) {
	const status = effectiveStatus(row.status, row.expiresAt, app.clock());
	if (status !== 'ready' && status !== 'connected') return;
	const stored = load(app.db).get(SESSION_KEY_PREFIX + row.id) as { value: string } | undefined;
	if (!stored) return; // a session allowed before keys existed
	const expected = Buffer.from(stored.value, 'base64');
	const given = hashOf(key ?? '');
	if (key === undefined || !timingSafeEqual(expected, given)) {
		throw forbidden('This session belongs to the page that allowed it');
	}
}
