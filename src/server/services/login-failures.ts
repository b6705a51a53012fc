/**
 * The login throttle's counts in the database (`login_failures`): shared by every instance on
 * the database, kept across restarts. Each change is one statement (an upsert that adds one,
 * an update that takes one away), so attempts made at once, here or on another instance, are all
 * counted. Written outside any transaction of the services: a failed sign-in changes no request.
 */
import type { DB } from '../db';
import { prepareSql } from '../db/plain-sql';
import { prepared } from '../db/prepared';
import type { ThrottleEntry, ThrottleStore } from '../rate-limit';

type Scope = 'address' | 'account' | 'pair' | 'code';

const select = prepared((db) =>
	prepareSql(
		db,
		(param) =>
			`SELECT failures, last_at AS "lastAt" FROM login_failures WHERE scope = ${param()} AND key = ${param()}`
	)
);
const increment = prepared((db) =>
	prepareSql(
		db,
		(param) => `INSERT INTO login_failures (scope, key, failures, last_at)
		 VALUES (${param()}, ${param()}, 1, ${param()})
		 ON CONFLICT (scope, key) DO UPDATE SET failures = login_failures.failures + 1,
		 last_at = excluded.last_at`
	)
);
const decrement = prepared((db) =>
	prepareSql(
		db,
		(param) =>
			`UPDATE login_failures SET failures = failures - 1 WHERE scope = ${param()} AND key = ${param()} AND failures > 1`
	)
);
const remove = prepared((db) =>
	prepareSql(
		db,
		(param) => `DELETE FROM login_failures WHERE scope = ${param()} AND key = ${param()}`
	)
);
const removeLast = prepared((db) =>
	prepareSql(
		db,
		(param) =>
			`DELETE FROM login_failures WHERE scope = ${param()} AND key = ${param()} AND failures <= 1`
	)
);
const prune = prepared((db) =>
	prepareSql(
		db,
		(param) => `DELETE FROM login_failures WHERE scope = ${param()} AND last_at < ${param()}`
	)
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

/** How long an address an account signed in from stays known to it. */
const KNOWN_FOR_MS = 90 * 86_400_000;

const knownAt = prepared((db) =>
	prepareSql(
		db,
		(param) =>
			`SELECT last_at AS "lastAt" FROM login_failures WHERE scope = 'known' AND key = ${param()}`
	)
);
const rememberKnown = prepared((db) =>
	prepareSql(
		db,
		(param) => `INSERT INTO login_failures (scope, key, failures, last_at)
		 VALUES ('known', ${param()}, 0, ${param()})
		 ON CONFLICT (scope, key) DO UPDATE SET last_at = excluded.last_at`
	)
);

/**
 * The addresses each account signed in from successfully, for 90 days after the last time (in
 * `login_failures` under the scope `known`, with no failures): a sign-in from one of them is not
 * held back by the account's slowdown, so guesses from elsewhere cannot keep the owner out.
 */
export class KnownAddresses {
	constructor(private readonly db: DB) {}

	has(account: string, address: string, now: number): boolean {
		const row = knownAt(this.db).get(pairKey(account, address)) as { lastAt: number } | undefined;
		return !!row && now - row.lastAt < KNOWN_FOR_MS;
	}

	remember(account: string, address: string, now: number) {
		rememberKnown(this.db).run(pairKey(account, address), now);
		prune(this.db).run('known', now - KNOWN_FOR_MS);
	}
}

/** The key of an account at an address (a newline is in neither an email nor an address). */
export const pairKey = (account: string, address: string) => `${account}\n${address}`;
