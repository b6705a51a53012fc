/** Sign-in sessions (cookie) and API tokens (bearer): only hashes are stored. */
import { verify } from '@node-rs/argon2';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { createHash, randomBytes } from 'node:crypto';
import { DomainError, DomainErrorReason } from '../../lib/domain/errors';
import { write, type Beckon } from '../app';
import { prepared } from '../db/prepared';
import { addressKey, type LoginThrottle } from '../rate-limit';
import { pairKey } from './login-failures';
import { apiTokens, sessions, users } from '../db/schema';
import { hashPassword, loadAuthUser, type AuthUser } from './users';

export const SESSION_COOKIE = 'beckon_session';
export const SESSION_LIFETIME_MS = 30 * 86_400_000;

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

// Verifying against a real hash when the account does not exist keeps sign-in timing from
// telling which emails have accounts.
let decoyHash: Promise<string> | undefined;

const badCredentials = () =>
	new DomainError(DomainErrorReason.unauthenticated, 'Wrong email or password');

/**
 * Which throttles a sign-in of `email` from `clientAddress` answers to (limits.ts has the
 * figures). The address and the account at that address are slowed, then locked; the account
 * from anywhere is only slowed, and not at all from an address it signed in from before, so
 * guesses from elsewhere can neither lock nor hold back its owner.
 */
function throttlesFor(app: Beckon, email: string, clientAddress: string, now: number) {
	const { address, account, pair, known } = app.limits.login;
	const throttles: [LoginThrottle, string][] = [
		[address, clientAddress],
		[pair, pairKey(email, clientAddress)]
	];
	if (!known.has(email, clientAddress, now)) throttles.push([account, email]);
	return throttles;
}

/** An attempt made too early is refused before the password is even checked. */
function refuseWhileThrottled(throttles: [LoginThrottle, string][], now: number) {
	const waitMs = Math.max(...throttles.map(([throttle, key]) => throttle.waitMs(key, now)));
	if (waitMs === 0) return;
	const locked = throttles.some(([throttle, key]) => throttle.locked(key, now));
	const minutes = Math.ceil(waitMs / 60_000);
	throw new DomainError(
		DomainErrorReason.rateLimited,
		locked
			? `Too many failed sign-ins: signing in is locked for ${minutes} minute${minutes === 1 ? '' : 's'}`
			: `Too many failed sign-ins; try again in ${Math.ceil(waitMs / 1000)} s`
	);
}

export async function login(
	app: Beckon,
	input: { email: string; password: string },
	connectingAddress: string
): Promise<{ user: AuthUser; sessionToken: string; expiresAt: number }> {
	const email = input.email.trim().toLowerCase();
	const now = app.clock();
	const { address, account, pair, known } = app.limits.login;
	// Counted by /64 for IPv6: one host holds a whole /64.
	const clientAddress = addressKey(connectingAddress);
	refuseWhileThrottled(throttlesFor(app, email, clientAddress, now), now);
	// Counted as failures up front, so parallel guesses are held back as well.
	address.attempt(clientAddress, now);
	account.attempt(email, now);
	pair.attempt(pairKey(email, clientAddress), now);
	const row = app.db.select().from(users).where(eq(users.email, email)).get();
	decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
	const matches = await verify(row?.passwordHash ?? (await decoyHash), input.password);
	if (!row || !matches || !row.active) throw badCredentials();
	// A success does not count; it clears the account's failures, not the address's (else one
	// own account would let an attacker reset the limit of the address they guess from).
	address.succeeded(clientAddress);
	account.succeeded(email, { reset: true });
	pair.succeeded(pairKey(email, clientAddress), { reset: true });
	known.remember(email, clientAddress, now);
	const sessionToken = randomBytes(32).toString('base64url');
	const expiresAt = now + SESSION_LIFETIME_MS;
	write(app, () => {
		app.db
			.insert(sessions)
			.values({ id: sha256(sessionToken), userId: row.id, createdAt: now, expiresAt })
			.run();
	});
	return { user: loadAuthUser(app, row.id) as AuthUser, sessionToken, expiresAt };
}

export function logout(app: Beckon, sessionToken: string) {
	write(app, () =>
		app.db
			.delete(sessions)
			.where(eq(sessions.id, sha256(sessionToken)))
			.run()
	);
}

// Every signed-in call starts here: prepared once.
const liveSession = prepared((db) =>
	db
		.select()
		.from(sessions)
		.where(
			and(eq(sessions.id, sql.placeholder('id')), gt(sessions.expiresAt, sql.placeholder('now')))
		)
		.prepare()
);

export function userForSession(app: Beckon, sessionToken: string): AuthUser | null {
	const session = liveSession(app.db).get({ id: sha256(sessionToken), now: app.clock() });
	return session ? loadAuthUser(app, session.userId) : null;
}

export const API_TOKEN_PREFIX = 'bk_';

export function userForApiToken(app: Beckon, token: string): AuthUser | null {
	if (!token.startsWith(API_TOKEN_PREFIX)) return null;
	const row = app.db
		.select()
		.from(apiTokens)
		.where(and(eq(apiTokens.tokenHash, sha256(token)), isNull(apiTokens.revokedAt)))
		.get();
	if (!row) return null;
	const user = loadAuthUser(app, row.createdBy);
	// A token is an admin's delegate: it stops working when its admin is no longer one.
	if (!user || user.role !== 'admin') return null;
	app.db.update(apiTokens).set({ lastUsedAt: app.clock() }).where(eq(apiTokens.id, row.id)).run();
	return user;
}
