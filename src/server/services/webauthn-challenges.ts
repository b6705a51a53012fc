/**
 * WebAuthn challenges, kept in the database so that any instance can check the answer to one
 * another instance handed out. A challenge is good for one answer within five minutes: taking it
 * deletes its row, and only the call whose delete changed a row may go on, so an answer replayed
 * (even racing the first) is refused.
 */
import { and, eq, gt, isNull, lte } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { write, type Beckon } from '../app';
import { webauthnChallenges } from '../db/schema';

export const CHALLENGE_LIFETIME_MS = 5 * 60_000;

export type ChallengePurpose = 'register' | 'sign_in' | 'second_factor';

/** 32 random bytes for a new challenge (stored by `keepChallenge` once the options are made). */
export const newChallenge = () => randomBytes(32);

/** Stores a challenge handed out (base64url, as in the options); old ones are swept meanwhile. */
export function keepChallenge(
	app: Beckon,
	challenge: string,
	purpose: ChallengePurpose,
	userId: string | null
) {
	const now = app.clock();
	write(app, () => {
		app.db.delete(webauthnChallenges).where(lte(webauthnChallenges.expiresAt, now)).run();
		app.db
			.insert(webauthnChallenges)
			.values({ challenge, purpose, userId, expiresAt: now + CHALLENGE_LIFETIME_MS })
			.run();
	});
}

/** Takes a live challenge for `purpose` (and `userId`); false when there is none to take. */
export function takeChallenge(
	app: Beckon,
	challenge: string,
	purpose: ChallengePurpose,
	userId: string | null
): boolean {
	return write(
		app,
		() =>
			app.db
				.delete(webauthnChallenges)
				.where(
					and(
						eq(webauthnChallenges.challenge, challenge),
						eq(webauthnChallenges.purpose, purpose),
						userId === null
							? isNull(webauthnChallenges.userId)
							: eq(webauthnChallenges.userId, userId),
						gt(webauthnChallenges.expiresAt, app.clock())
					)
				)
				.run().changes === 1
	);
}

/** The challenge a browser's answer says it signed (its `clientDataJSON`), or null. */
export function challengeOf(clientDataJSON: string): string | null {
	try {
		const data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
		return typeof data?.challenge === 'string' ? data.challenge : null;
	} catch {
		return null;
	}
}
