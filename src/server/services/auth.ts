/** Sign-in sessions (cookie) and API tokens (bearer): only hashes are stored. */
import { verify } from '@node-rs/argon2';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { createHash, randomBytes } from 'node:crypto';
import { DomainError, DomainErrorReason } from '../../lib/domain/errors';
import { write, type Beckon } from '../app';
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

export async function login(
	app: Beckon,
	input: { email: string; password: string },
	clientAddress: string
): Promise<{ user: AuthUser; sessionToken: string; expiresAt: number }> {
	const email = input.email.trim().toLowerCase();
	const now = app.clock();
	if (
		!app.limits.login.take(`addr:${clientAddress}`, now) ||
		!app.limits.login.take(`acct:${email}`, now)
	) {
		throw new DomainError(
			DomainErrorReason.rateLimited,
			'Too many sign-in attempts; wait a few minutes and try again'
		);
	}
	const row = app.db.select().from(users).where(eq(users.email, email)).get();
	decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
	const matches = await verify(row?.passwordHash ?? (await decoyHash), input.password);
	if (!row || !matches || !row.active) throw badCredentials();
	// Only failed attempts count (each was taken up front, so parallel guesses are still capped).
	app.limits.login.refund(`addr:${clientAddress}`);
	app.limits.login.refund(`acct:${email}`);
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

export function userForSession(app: Beckon, sessionToken: string): AuthUser | null {
	const session = app.db
		.select()
		.from(sessions)
		.where(and(eq(sessions.id, sha256(sessionToken)), gt(sessions.expiresAt, app.clock())))
		.get();
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
