/**
 * The login throttle's counts in the database (`login_failures`): shared by every instance on
 * the database, kept across restarts. Each change is one statement (an upsert that adds one,
 * an update that takes one away), so attempts made at once, here or on another instance, are all
 * counted. Written outside any transaction of the services: a failed sign-in changes no request.
 */
import type { DB } from '../db';
import { prepared } from '../db/prepared';
import type { ThrottleEntry, ThrottleStore } from '../rate-limit';

type Scope = 'address' | 'account';

const select = prepared((db) =>
	db.$client.prepare(
		'SELECT failures, last_at AS "lastAt" FROM login_failures WHERE scope = ? AND key = ?'
	)
);
const increment = prepared((db) =>
	db.$client.prepare(
		`INSERT INTO login_failures (scope, key, failures, last_at) VALUES (?, ?, 1, ?)
		 ON CONFLICT (scope, key) DO UPDATE SET failures = login_failures.failures + 1,
		 last_at = excluded.last_at`
	)
);
const decrement = prepared((db) =>
	db.$client.prepare(
		'UPDATE login_failures SET failures = failures - 1 WHERE scope = ? AND key = ? AND failures > 1'
	)
);
const remove = prepared((db) =>
	db.$client.prepare('DELETE FROM login_failures WHERE scope = ? AND key = ?')
);
const removeLast = prepared((db) =>
	db.$client.prepare('DELETE FROM login_failures WHERE scope = ? AND key = ? AND failures <= 1')
);
const prune = prepared((db) =>
	db.$client.prepare('DELETE FROM login_failures WHERE scope = ? AND last_at < ?')
);

export class DatabaseThrottleStore implements ThrottleStore {
	constructor(
		private readonly db: DB,
		private readonly scope: Scope
	) {}

	get(key: string): ThrottleEntry | undefined {
		return select(this.db).get(this.scope, key) as ThrottleEntry | undefined;
	}

	increment(key: string, now: number) {
		increment(this.db).run(this.scope, key, now);
	}

	decrement(key: string) {
		if (decrement(this.db).run(this.scope, key).changes === 0) {
			removeLast(this.db).run(this.scope, key);
		}
	}

	delete(key: string) {
		remove(this.db).run(this.scope, key);
	}

	prune(before: number) {
		prune(this.db).run(this.scope, before);
	}
}
