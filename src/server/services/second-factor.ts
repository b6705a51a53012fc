/**
 * Second factor: an authenticator app (TOTP) and its ten recovery codes.
 *
 * The shared secret is encrypted at rest (AES-256-GCM under a key derived from the server secret,
 * `server_keys`), handed out while enrolling only, and never again once a code has confirmed it.
 * A code is accepted once: the step it belongs to must be later than the last accepted one, and
 * the update that records it is guarded by that same condition, so two requests racing with one
 * code cannot both win. Recovery codes are 50 random bits each, stored as SHA-256 hashes (too
 * many to guess, so a slow hash adds nothing) and spent by a guarded update too.
 * Wrong codes count in the `code` throttle of the account and in the address's sign-in throttle.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { conflict, DomainError, DomainErrorReason, rateLimited } from '../../lib/domain/errors';
import {
	normalizeRecoveryCode,
	RECOVERY_CODE_COUNT,
	requiresSecondFactor
} from '../../lib/domain/sign-in';
import type { Role } from '../../lib/domain/types';
import { write, type Beckon } from '../app';
import { passkeys, recoveryCodes, secondFactors } from '../db/schema';
import { addressKey } from '../rate-limit';
import { base32Encode, matchingStep, otpauthUri } from '../totp';
import { recordAccountEvent } from './account-events';
import { getSettings } from './settings';

const keys = new WeakMap<Buffer, Buffer>();

/** The encryption key of TOTP secrets, derived from (never equal to) the server secret. */
function secretKey(app: Beckon): Buffer {
	let key = keys.get(app.secret);
	if (!key) {
		key = Buffer.from(hkdfSync('sha256', app.secret, '', 'beckon second-factor secret', 32));
		keys.set(app.secret, key);
	}
	return key;
}

export function encryptSecret(app: Beckon, secret: Buffer): string {
	const iv = randomBytes(12);
	const cipher = createCipheriv('aes-256-gcm', secretKey(app), iv);
	const sealed = Buffer.concat([cipher.update(secret), cipher.final()]);
	return ['v1', iv, cipher.getAuthTag(), sealed].map((p) => p.toString('base64url')).join('.');
}

export function decryptSecret(app: Beckon, stored: string): Buffer {
	const [version, iv, tag, sealed] = stored.split('.');
	if (version !== 'v1') throw new Error('Unknown second-factor secret format');
	const decipher = createDecipheriv('aes-256-gcm', secretKey(app), Buffer.from(iv, 'base64url'));
	decipher.setAuthTag(Buffer.from(tag, 'base64url'));
	return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]);
}

const hashCode = (code: string) =>
	createHash('sha256').update(normalizeRecoveryCode(code)).digest('hex');

function factorOf(app: Beckon, userId: string) {
	return app.db.select().from(secondFactors).where(eq(secondFactors.userId, userId)).get();
}

export function hasSecondFactor(app: Beckon, userId: string): boolean {
	return !!factorOf(app, userId)?.confirmedAt;
}

export function secondFactorRequired(app: Beckon, role: Role): boolean {
	return requiresSecondFactor(getSettings(app).twoFactorRequired, role);
}

export interface TwoFactorStatus {
	enabled: boolean;
	/** The organisation requires it of this account (it cannot be turned off). */
	required: boolean;
	confirmedAt: string | null;
	recoveryCodesLeft: number;
}

export function twoFactorStatus(app: Beckon, user: { id: string; role: Role }): TwoFactorStatus {
	const factor = factorOf(app, user.id);
	const left = app.db
		.select({ n: sql<number>`count(*)` })
		.from(recoveryCodes)
		.where(and(eq(recoveryCodes.userId, user.id), isNull(recoveryCodes.usedAt)))
		.get()?.n;
	return {
		enabled: !!factor?.confirmedAt,
		required: secondFactorRequired(app, user.role),
		confirmedAt: factor?.confirmedAt ? new Date(factor.confirmedAt).toISOString() : null,
		recoveryCodesLeft: factor?.confirmedAt ? Number(left ?? 0) : 0
	};
}

/**
 * Starts (or starts over) an enrolment: a new secret, kept unconfirmed until a code from the app
 * proves it was scanned. The only answer that ever carries the secret.
 */
export function beginEnrolment(app: Beckon, user: { id: string; email: string }) {
	const secret = randomBytes(20);
	const now = app.clock();
	write(app, () => {
		if (factorOf(app, user.id)?.confirmedAt) {
			throw conflict('Two-factor sign-in is already on; turn it off first to change the app');
		}
		const row = { secret: encryptSecret(app, secret), confirmedAt: null, lastStep: 0 };
		app.db
			.insert(secondFactors)
			.values({ userId: user.id, createdAt: now, ...row })
			.onConflictDoUpdate({ target: secondFactors.userId, set: { ...row, createdAt: now } })
			.run();
	});
	const issuer = getSettings(app).organizationName;
	return { secret: base32Encode(secret), otpauthUri: otpauthUri(secret, issuer, user.email) };
}

function newRecoveryCodes(app: Beckon, userId: string): string[] {
	const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => {
		const text = base32Encode(randomBytes(7)).slice(0, 10).toLowerCase();
		return `${text.slice(0, 5)}-${text.slice(5)}`;
	});
	app.db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)).run();
	app.db
		.insert(recoveryCodes)
		.values(codes.map((code) => ({ userId, codeHash: hashCode(code), usedAt: null })))
		.run();
	return codes;
}

/**
 * Refuses a code attempt (or a passkey as the second step) while the account or address must wait,
 * else counts it as failed; answers what to call on success.
 */
export function startCodeAttempt(app: Beckon, userId: string, clientAddress: string, now: number) {
	const { code, address } = app.limits.login;
	const address64 = addressKey(clientAddress);
	const waitMs = Math.max(code.waitMs(userId, now), address.waitMs(address64, now));
	if (waitMs > 0) {
		const locked = code.locked(userId, now) || address.locked(address64, now);
		const minutes = Math.ceil(waitMs / 60_000);
		throw rateLimited(
			locked
				? `Too many wrong codes: signing in is locked for ${minutes} minute${minutes === 1 ? '' : 's'}`
				: `Too many wrong codes; try again in ${Math.ceil(waitMs / 1000)} s`
		);
	}
	code.attempt(userId, now);
	address.attempt(address64, now);
	return () => {
		code.succeeded(userId, { reset: true });
		address.succeeded(address64);
	};
}

const wrongCode = () =>
	new DomainError(DomainErrorReason.unauthenticated, 'That code is not right', 'code');

/**
 * Accepts the app's code of a step later than the last accepted one, recording that step (the
 * guarded update is what refuses a replay, even one racing this call).
 */
function acceptAppCode(app: Beckon, userId: string, code: string, confirmed: boolean): boolean {
	const factor = factorOf(app, userId);
	if (!factor || !!factor.confirmedAt !== confirmed) return false;
	const step = matchingStep(decryptSecret(app, factor.secret), code, app.clock());
	if (step === null || step <= factor.lastStep) return false;
	const now = app.clock();
	const changes = app.db
		.update(secondFactors)
		.set({ lastStep: step, confirmedAt: factor.confirmedAt ?? now })
		.where(and(eq(secondFactors.userId, userId), sql`${secondFactors.lastStep} < ${step}`))
		.run().changes;
	return changes === 1;
}

/** Confirms an enrolment with the app's first code; answers the ten recovery codes, once. */
export function confirmEnrolment(
	app: Beckon,
	user: { id: string },
	code: string,
	clientAddress: string
): { recoveryCodes: string[] } {
	const succeeded = startCodeAttempt(app, user.id, clientAddress, app.clock());
	const result = write(app, () => {
		const factor = factorOf(app, user.id);
		if (!factor) throw conflict('Start setting up two-factor sign-in first');
		if (factor.confirmedAt) throw conflict('Two-factor sign-in is already on');
		if (!acceptAppCode(app, user.id, code, false)) throw wrongCode();
		recordAccountEvent(app, { userId: user.id, type: 'two_factor_enabled', actor: user.id });
		return { recoveryCodes: newRecoveryCodes(app, user.id) };
	});
	succeeded();
	return result;
}

/**
 * The second step of a sign-in (or a check before a change to the factor): the app's code, or a
 * recovery code, which is then spent.
 */
export function verifySecondFactor(
	app: Beckon,
	userId: string,
	given: { code?: string; recoveryCode?: string },
	clientAddress: string
) {
	const succeeded = startCodeAttempt(app, userId, clientAddress, app.clock());
	write(app, () => {
		if (!hasSecondFactor(app, userId)) throw conflict('Two-factor sign-in is off');
		if (given.code !== undefined) {
			if (!acceptAppCode(app, userId, given.code, true)) throw wrongCode();
		} else {
			const spent = app.db
				.update(recoveryCodes)
				.set({ usedAt: app.clock() })
				.where(
					and(
						eq(recoveryCodes.userId, userId),
						eq(recoveryCodes.codeHash, hashCode(given.recoveryCode ?? '')),
						isNull(recoveryCodes.usedAt)
					)
				)
				.run().changes;
			if (spent !== 1) {
				throw new DomainError(
					DomainErrorReason.unauthenticated,
					'That recovery code is not right or was used already',
					'recoveryCode'
				);
			}
			recordAccountEvent(app, { userId, type: 'recovery_code_used', actor: userId });
		}
	});
	// Outside the transaction: a refusal above rolled back, the failure stays counted.
	succeeded();
}

function removeFactor(app: Beckon, userId: string) {
	app.db.delete(secondFactors).where(eq(secondFactors.userId, userId)).run();
	app.db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)).run();
}

/** The user turns it off, proving it with a current code; refused where it is required. */
export function disableTwoFactor(
	app: Beckon,
	user: { id: string; role: Role },
	code: string,
	clientAddress: string
) {
	if (secondFactorRequired(app, user.role)) {
		throw conflict('Your organisation requires two-factor sign-in for your account');
	}
	verifySecondFactor(app, user.id, { code }, clientAddress);
	write(app, () => {
		removeFactor(app, user.id);
		recordAccountEvent(app, { userId: user.id, type: 'two_factor_disabled', actor: user.id });
	});
}

/** New recovery codes (the old ones stop working), after a current code. */
export function regenerateRecoveryCodes(
	app: Beckon,
	user: { id: string },
	code: string,
	clientAddress: string
): { recoveryCodes: string[] } {
	verifySecondFactor(app, user.id, { code }, clientAddress);
	return write(app, () => ({ recoveryCodes: newRecoveryCodes(app, user.id) }));
}

/**
 * An admin removes a user's second factors (lost phone or laptop): the authenticator app and the
 * passkeys, which count as one too; the user sets them up again.
 */
export function resetTwoFactor(app: Beckon, admin: { id: string }, userId: string) {
	write(app, () => {
		const had = factorOf(app, userId);
		removeFactor(app, userId);
		const passkeysRemoved = app.db
			.delete(passkeys)
			.where(eq(passkeys.userId, userId))
			.run().changes;
		recordAccountEvent(app, {
			userId,
			type: 'two_factor_reset',
			actor: admin.id,
			data: { hadSecondFactor: !!had?.confirmedAt, passkeysRemoved }
		});
	});
}
