/**
 * Sign-in sessions (cookie) and API tokens (bearer): only hashes are stored. A sign-in of an
 * account with a second factor, or one that must set one up, is two steps: the password gives a
 * short-lived pending token (signed, not stored), and the code (or enrolment) gives the session.
 */
import { verify } from '@node-rs/argon2';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { DomainError, DomainErrorReason, notFound } from '../../lib/domain/errors';
import { write, type Beckon } from '../app';
import { prepareSql } from '../db/plain-sql';
import { prepared } from '../db/prepared';
import { addressKey, type LoginThrottle } from '../rate-limit';
import { pairKey } from './login-failures';
import { apiTokens, sessions, users } from '../db/schema';
import { hashPassword, loadAuthUser, type AuthUser } from './users';
import { recordAccountEvent } from './account-events';
import { hasSecondFactor, secondFactorRequired } from './second-factor';
import { refusePasswordWhenSsoOnly } from './sso-settings';
import { hasPasskey } from './passkeys';
import type { SecondFactorMethod } from '../../lib/domain/passkeys';
import { toIso } from '../../lib/domain/rules';

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

/** What the device is and where it signs in from, kept with its session for its owner. */
export interface Device {
	userAgent: string | null;
	address: string;
}

/** How long the second step of a sign-in may take. */
export const PENDING_SIGN_IN_MS = 10 * 60_000;

/** `code`: the account has a second factor; `enrol`: it must set one up before it may sign in. */
export type PendingStep = 'code' | 'enrol';

export type LoginResult =
	| { kind: 'session'; user: AuthUser; sessionToken: string; expiresAt: number }
	| {
			kind: 'pending';
			step: PendingStep;
			pendingToken: string;
			expiresAt: number;
			/** How the `code` step can be made (none for `enrol`). */
			methods: SecondFactorMethod[];
	  };

/** The second factors an account has: its authenticator app, its passkeys (either will do). */
export function secondFactorMethods(app: Beckon, userId: string): SecondFactorMethod[] {
	const methods: SecondFactorMethod[] = [];
	if (hasSecondFactor(app, userId)) methods.push('totp');
	if (hasPasskey(app, userId)) methods.push('passkey');
	return methods;
}

export async function login(
	app: Beckon,
	input: { email: string; password: string },
	connectingAddress: string,
	userAgent: string | null = null
): Promise<LoginResult> {
	const email = input.email.trim().toLowerCase();
	refusePasswordWhenSsoOnly(app, email);
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
	// An account made by single sign-on has no password (a placeholder that is no hash).
	const hasPassword = row?.passwordHash.startsWith('$argon2') ?? false;
	const matches = await verify(hasPassword ? row!.passwordHash : await decoyHash, input.password);
	if (!row || !hasPassword || !matches || !row.active) throw badCredentials();
	// A success does not count; it clears the account's failures, not the address's (else one
	// own account would let an attacker reset the limit of the address they guess from).
	address.succeeded(clientAddress);
	account.succeeded(email, { reset: true });
	pair.succeeded(pairKey(email, clientAddress), { reset: true });
	known.remember(email, clientAddress, now);
	return completeSignIn(app, row, { userAgent, address: connectingAddress });
}

/**
 * A sign-in whose first step succeeded (password, or the OpenID provider): the session, or the
 * second step when the account has a second factor or must set one up.
 */
export function completeSignIn(
	app: Beckon,
	row: { id: string; role: AuthUser['role']; passwordHash: string },
	device: Device
): LoginResult {
	const now = app.clock();
	const methods = secondFactorMethods(app, row.id);
	const step: PendingStep | null =
		methods.length > 0 ? 'code' : secondFactorRequired(app, row.role) ? 'enrol' : null;
	if (step) {
		const expiresAt = now + PENDING_SIGN_IN_MS;
		return {
			kind: 'pending',
			step,
			expiresAt,
			methods,
			pendingToken: pendingToken(app, row, step, expiresAt)
		};
	}
	return { kind: 'session', ...startSession(app, row.id, device) };
}

/** A new sign-in session of `userId` on the device. */
export function startSession(app: Beckon, userId: string, device: Device) {
	const now = app.clock();
	const sessionToken = randomBytes(32).toString('base64url');
	const expiresAt = now + SESSION_LIFETIME_MS;
	write(app, () => {
		app.db
			.insert(sessions)
			.values({
				id: sha256(sessionToken),
				userId,
				createdAt: now,
				expiresAt,
				userAgent: device.userAgent?.slice(0, 500) ?? null,
				address: device.address,
				lastSeenAt: now
			})
			.run();
	});
	const user = loadAuthUser(app, userId);
	if (!user) throw badCredentials();
	return { user, sessionToken, expiresAt };
}

const pendingKeys = new WeakMap<Buffer, Buffer>();

function pendingMac(app: Beckon, body: string, passwordHash: string): string {
	let key = pendingKeys.get(app.secret);
	if (!key) {
		key = Buffer.from(hkdfSync('sha256', app.secret, '', 'beckon pending sign-in', 32));
		pendingKeys.set(app.secret, key);
	}
	// The password hash is in the MAC: a password changed meanwhile voids the pending sign-in.
	return createHmac('sha256', key).update(`${body}\n${passwordHash}`).digest('base64url');
}

function pendingToken(
	app: Beckon,
	row: { id: string; passwordHash: string },
	step: PendingStep,
	expiresAt: number
): string {
	const body = Buffer.from(JSON.stringify({ u: row.id, s: step, e: expiresAt })).toString(
		'base64url'
	);
	return `${body}.${pendingMac(app, body, row.passwordHash)}`;
}

/**
 * The user a pending sign-in token stands for, when it is for `step`, unexpired, untampered and
 * its account still active with the same password.
 */
export function pendingUser(app: Beckon, token: string, step: PendingStep): AuthUser {
	const expired = () =>
		new DomainError(
			DomainErrorReason.unauthenticated,
			'This sign-in has expired; sign in again',
			'pendingToken'
		);
	const [body, mac] = token.split('.');
	let claims: { u?: unknown; s?: unknown; e?: unknown };
	try {
		claims = JSON.parse(Buffer.from(body ?? '', 'base64url').toString('utf8'));
	} catch {
		throw expired();
	}
	if (typeof claims.u !== 'string' || claims.s !== step || typeof claims.e !== 'number') {
		throw expired();
	}
	const row = app.db.select().from(users).where(eq(users.id, claims.u)).get();
	const expected = Buffer.from(row ? pendingMac(app, body, row.passwordHash) : '');
	const given = Buffer.from(mac ?? '');
	const valid = expected.length === given.length && timingSafeEqual(expected, given);
	if (!row || !valid || claims.e <= app.clock()) throw expired();
	const user = loadAuthUser(app, row.id);
	if (!user) throw expired();
	return user;
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

/** A session's last call is recorded once a minute at most: a write per call would cost more. */
const LAST_SEEN_EVERY_MS = 60_000;

const touchSession = prepared((db) =>
	prepareSql(db, (param) => `UPDATE sessions SET last_seen_at = ${param()} WHERE id = ${param()}`)
);

export function userForSession(app: Beckon, sessionToken: string): AuthUser | null {
	const now = app.clock();
	const session = liveSession(app.db).get({ id: sha256(sessionToken), now });
	if (!session) return null;
	if ((session.lastSeenAt ?? 0) <= now - LAST_SEEN_EVERY_MS) {
		touchSession(app.db).run(now, session.id);
	}
	return loadAuthUser(app, session.userId);
}

/**
 * A session as its owner sees it. Its id is a hash of the stored hash: the list never carries
 * what the cookie is checked against.
 */
export interface DeviceSession {
	id: string;
	userAgent: string | null;
	address: string | null;
	createdAt: string;
	lastSeenAt: string | null;
	/** The session this very call was made with. */
	current: boolean;
}

const publicSessionId = (storedId: string) => sha256(`session\n${storedId}`).slice(0, 32);

export function listSessions(
	app: Beckon,
	userId: string,
	currentToken: string | null
): DeviceSession[] {
	const current = currentToken ? sha256(currentToken) : null;
	return app.db
		.select()
		.from(sessions)
		.where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, app.clock())))
		.all()
		.map((row) => ({
			id: publicSessionId(row.id),
			userAgent: row.userAgent,
			address: row.address,
			createdAt: new Date(row.createdAt).toISOString(),
			lastSeenAt: toIso(row.lastSeenAt ?? row.createdAt),
			current: row.id === current
		}))
		.sort((a, b) => (b.lastSeenAt ?? '').localeCompare(a.lastSeenAt ?? ''));
}

/**
 * Signs one of the user's devices out: its session is deleted, so its next call is refused and
 * the app there wipes its offline data (lib/client/session.ts).
 */
export function signOutSession(app: Beckon, user: { id: string }, id: string) {
	write(app, () => {
		const row = app.db
			.select({ id: sessions.id, userAgent: sessions.userAgent, address: sessions.address })
			.from(sessions)
			.where(eq(sessions.userId, user.id))
			.all()
			.find((session) => publicSessionId(session.id) === id);
		if (!row) throw notFound('No such signed-in device');
		app.db.delete(sessions).where(eq(sessions.id, row.id)).run();
		recordAccountEvent(app, {
			userId: user.id,
			type: 'session_signed_out',
			actor: user.id,
			data: { userAgent: row.userAgent, address: row.address }
		});
	});
}

/** An admin signs every device of a user out; answers how many were signed in. */
export function signOutEverywhere(app: Beckon, admin: { id: string }, userId: string): number {
	return write(app, () => {
		if (!app.db.select({ id: users.id }).from(users).where(eq(users.id, userId)).get()) {
			throw notFound('No such user');
		}
		const count = app.db.delete(sessions).where(eq(sessions.userId, userId)).run().changes;
		recordAccountEvent(app, {
			userId,
			type: 'sessions_signed_out',
			actor: admin.id,
			data: { count }
		});
		return count;
	});
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
