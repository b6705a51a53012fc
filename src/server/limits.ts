/**
 * The limits one running Beckon keeps on its callers, with their figures: built once per
 * instance (app.ts). The login counts live in the database so every instance shares them.
 */
import type { DB } from './db';
import { LoginThrottle, RateLimiter } from './rate-limit';
import { ReadBudget } from './read-budget';
import { DatabaseThrottleStore, KnownAddresses } from './services/login-failures';

/** The most calls one HTTP request may batch: the agent app's own `maxItems`. */
export const MAX_BATCH_SIZE = 10;

export interface Limits {
	/** Server time for each signed-in user's queries (read-budget.ts). */
	reads: ReadBudget;
	/** Every public link call, per client address. */
	link: RateLimiter;
	/** Link calls with a token that does not resolve, per client address: enumeration. */
	linkMisses: RateLimiter;
	/** Requests from help pages, per client address (services/help-page.ts). */
	helpAddress: RateLimiter;
	/** Requests from a help page, per queue: a flood spread over many addresses. */
	helpQueue: RateLimiter;
	/** Passkey challenges asked for without an account (services/passkeys.ts), per address. */
	passkeyChallenges: RateLimiter;
	/** Failed sign-ins (services/auth.ts says which applies when). */
	login: {
		/** Per address, over any accounts: slowed, then locked (that address only). */
		address: LoginThrottle;
		/** Per account, from anywhere: only ever slowed, so nobody can lock someone else out. */
		account: LoginThrottle;
		/** Per account and address: slowed, then locked. */
		pair: LoginThrottle;
		/** The addresses each account signed in from: not held back by the account's slowdown. */
		known: KnownAddresses;
		/**
		 * Wrong second-factor codes (app or recovery) per account, from anywhere: slowed, then
		 * locked. Whoever guesses them already holds the password.
		 */
		code: LoginThrottle;
	};
}

/**
 * Sign-in failures: free at first, then each one doubles the wait before the next attempt
 * (1 s, 2 s, 4 s … at most 30 s), then (for addresses) a lock of 15 minutes; forgotten 15 minutes
 * after the last.
 */
const LOGIN_THROTTLE = {
	firstDelayMs: 1_000,
	maxDelayMs: 30_000,
	lockMs: 15 * 60_000,
	forgetMs: 15 * 60_000
};

export function createLimits(db: DB): Limits {
	return {
		reads: new ReadBudget(),
		link: new RateLimiter(120, 60_000),
		linkMisses: new RateLimiter(20, 10 * 60_000),
		helpAddress: new RateLimiter(5, 60 * 60_000),
		helpQueue: new RateLimiter(30, 10 * 60_000),
		passkeyChallenges: new RateLimiter(30, 60_000),
		login: {
			// An office behind one address gets more room than a single account.
			address: new LoginThrottle(
				{ ...LOGIN_THROTTLE, free: 10, lockAfter: 30 },
				new DatabaseThrottleStore(db, 'address')
			),
			account: new LoginThrottle(
				{ ...LOGIN_THROTTLE, free: 5, lockAfter: Infinity },
				new DatabaseThrottleStore(db, 'account')
			),
			pair: new LoginThrottle(
				{ ...LOGIN_THROTTLE, free: 5, lockAfter: 10 },
				new DatabaseThrottleStore(db, 'pair')
			),
			known: new KnownAddresses(db),
			code: new LoginThrottle(
				{ ...LOGIN_THROTTLE, free: 5, lockAfter: 10 },
				new DatabaseThrottleStore(db, 'code')
			)
		}
	};
}
