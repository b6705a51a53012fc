/**
 * Passkeys (WebAuthn, @simplewebauthn/server): a user registers several, names, renames and
 * removes them, and signs in with one alone (a discoverable credential, user verified) or uses one
 * as the second step of a password sign-in.
 *
 * Every ceremony answers a challenge this server handed out (webauthn-challenges.ts: stored,
 * single-use, five minutes) and is checked against the relying party of the public URL
 * (webauthn.ts). The public key and counter never leave the server. A signature counter that
 * does not grow is refused by the library (a cloned authenticator). Failed passkey sign-ins count
 * in the address's sign-in throttle, failed second steps in the account's code throttle, as
 * wrong passwords and codes do.
 */
import {
	generateAuthenticationOptions,
	generateRegistrationOptions,
	verifyAuthenticationResponse,
	verifyRegistrationResponse,
	type AuthenticationResponseJSON,
	type AuthenticatorTransportFuture,
	type RegistrationResponseJSON
} from '@simplewebauthn/server';
import { and, asc, count, eq } from 'drizzle-orm';
import { conflict, DomainError, DomainErrorReason, notFound } from '../../lib/domain/errors';
import type { z } from 'zod';
import type {
	authenticationResponseSchema,
	registrationResponseSchema
} from '../../lib/domain/passkeys';
import { write, type Beckon } from '../app';
import { passkeys, type PasskeyRow } from '../db/schema';
import { addressKey } from '../rate-limit';
import { relyingPartyOf } from '../webauthn';
import { recordAccountEvent } from './account-events';
import { startCodeAttempt } from './second-factor';
import { getSettings } from './settings';
import { refusePasswordWhenSsoOnly } from './sso-settings';
import { loadAuthUser } from './users';
import {
	challengeOf,
	CHALLENGE_LIFETIME_MS,
	keepChallenge,
	newChallenge,
	takeChallenge,
	type ChallengePurpose
} from './webauthn-challenges';

type RegistrationResponse = z.infer<typeof registrationResponseSchema>;
type AuthenticationResponse = z.infer<typeof authenticationResponseSchema>;

/** A passkey as its owner sees it: never its public key or counter. */
export interface PublicPasskey {
	id: string;
	name: string;
	createdAt: string;
	lastUsedAt: string | null;
	/** Synced between the user's devices (and backed up) by their password manager or platform. */
	backedUp: boolean;
}

const toPublic = (row: PasskeyRow): PublicPasskey => ({
	id: row.id,
	name: row.name,
	createdAt: new Date(row.createdAt).toISOString(),
	lastUsedAt: row.lastUsedAt === null ? null : new Date(row.lastUsedAt).toISOString(),
	backedUp: row.backedUp
});

const rowsOf = (app: Beckon, userId: string) =>
	app.db
		.select()
		.from(passkeys)
		.where(eq(passkeys.userId, userId))
		.orderBy(asc(passkeys.createdAt), asc(passkeys.id))
		.all();

export function listPasskeys(app: Beckon, userId: string): PublicPasskey[] {
	return rowsOf(app, userId).map(toPublic);
}

export function hasPasskey(app: Beckon, userId: string): boolean {
	const row = app.db.select({ n: count() }).from(passkeys).where(eq(passkeys.userId, userId)).get();
	return Number(row?.n ?? 0) > 0;
}

const transportsOf = (row: PasskeyRow) => row.transports as AuthenticatorTransportFuture[];

const TIMEOUT_MS = CHALLENGE_LIFETIME_MS;

/**
 * `navigator.credentials.create()` options for a new passkey of the signed-in user: discoverable
 * (so it can sign in alone) and user-verified; the user's passkeys are excluded so one
 * authenticator is not registered twice.
 */
export async function registrationOptions(
	app: Beckon,
	user: { id: string; email: string; name: string }
) {
	const rp = relyingPartyOf(app.config.publicUrl);
	const options = await generateRegistrationOptions({
		rpName: getSettings(app).organizationName,
		rpID: rp.id,
		userID: new TextEncoder().encode(user.id),
		userName: user.email,
		userDisplayName: user.name,
		challenge: newChallenge(),
		timeout: TIMEOUT_MS,
		attestationType: 'none',
		excludeCredentials: rowsOf(app, user.id).map((row) => ({
			id: row.id,
			transports: transportsOf(row)
		})),
		authenticatorSelection: { residentKey: 'required', userVerification: 'required' }
	});
	keepChallenge(app, options.challenge, 'register', user.id);
	return options;
}

/** The answer's challenge, taken; refused when it is unknown, used, expired or someone else's. */
function takeAnswered(
	app: Beckon,
	clientDataJSON: string,
	purpose: ChallengePurpose,
	userId: string | null
): string {
	const challenge = challengeOf(clientDataJSON);
	if (!challenge || !takeChallenge(app, challenge, purpose, userId)) {
		throw new DomainError(
			DomainErrorReason.unauthenticated,
			'This passkey request has expired or was used already; try again',
			'response'
		);
	}
	return challenge;
}

const refusedBy = (error: unknown, what: string) =>
	new DomainError(
		DomainErrorReason.unauthenticated,
		`${what}: ${error instanceof Error ? error.message : 'not accepted'}`,
		'response'
	);

/** Verifies the authenticator's answer to `registrationOptions` and keeps the new passkey. */
export async function registerPasskey(
	app: Beckon,
	user: { id: string },
	input: { name: string; response: RegistrationResponse }
): Promise<PublicPasskey> {
	const challenge = takeAnswered(app, input.response.response.clientDataJSON, 'register', user.id);
	const rp = relyingPartyOf(app.config.publicUrl);
	let verified;
	try {
		verified = await verifyRegistrationResponse({
			response: input.response as RegistrationResponseJSON,
			expectedChallenge: challenge,
			expectedOrigin: rp.origin,
			expectedRPID: rp.id,
			requireUserVerification: true
		});
	} catch (error) {
		throw refusedBy(error, 'This passkey could not be added');
	}
	if (!verified.verified) {
		throw refusedBy(new Error('its attestation is not valid'), 'This passkey could not be added');
	}
	const { credential, credentialBackedUp } = verified.registrationInfo;
	const now = app.clock();
	const row: PasskeyRow = {
		id: credential.id,
		userId: user.id,
		name: input.name,
		publicKey: Buffer.from(credential.publicKey).toString('base64url'),
		counter: credential.counter,
		transports: credential.transports ?? input.response.response.transports ?? [],
		backedUp: credentialBackedUp,
		createdAt: now,
		lastUsedAt: null
	};
	write(app, () => {
		if (app.db.select({ id: passkeys.id }).from(passkeys).where(eq(passkeys.id, row.id)).get()) {
			throw conflict('This passkey is registered already');
		}
		app.db.insert(passkeys).values(row).run();
		recordAccountEvent(app, {
			userId: user.id,
			type: 'passkey_added',
			actor: user.id,
			data: { name: row.name }
		});
	});
	return toPublic(row);
}

function ownPasskey(app: Beckon, userId: string, id: string): PasskeyRow {
	const row = app.db
		.select()
		.from(passkeys)
		.where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
		.get();
	if (!row) throw notFound('No such passkey');
	return row;
}

export function renamePasskey(app: Beckon, user: { id: string }, id: string, name: string) {
	return write(app, () => {
		const row = ownPasskey(app, user.id, id);
		app.db.update(passkeys).set({ name }).where(eq(passkeys.id, id)).run();
		recordAccountEvent(app, {
			userId: user.id,
			type: 'passkey_renamed',
			actor: user.id,
			data: { from: row.name, to: name }
		});
		return toPublic({ ...row, name });
	});
}

/** Removes one of the user's passkeys: its holder can no longer sign in with it. Recorded. */
export function removePasskey(app: Beckon, user: { id: string }, id: string) {
	write(app, () => {
		const row = ownPasskey(app, user.id, id);
		app.db.delete(passkeys).where(eq(passkeys.id, id)).run();
		recordAccountEvent(app, {
			userId: user.id,
			type: 'passkey_removed',
			actor: user.id,
			data: { name: row.name }
		});
	});
}

/**
 * `navigator.credentials.get()` options for a sign-in with a passkey alone: no account named
 * (the authenticator offers the user's discoverable passkeys), user verification required.
 * Handed to anyone, so counted per address.
 */
export async function signInOptions(app: Beckon, clientAddress: string) {
	if (!app.limits.passkeyChallenges.take(addressKey(clientAddress), app.clock())) {
		throw new DomainError(
			DomainErrorReason.rateLimited,
			'Too many passkey sign-ins started; try again in a minute'
		);
	}
	const options = await generateAuthenticationOptions({
		rpID: relyingPartyOf(app.config.publicUrl).id,
		challenge: newChallenge(),
		timeout: TIMEOUT_MS,
		userVerification: 'required'
	});
	keepChallenge(app, options.challenge, 'sign_in', null);
	return options;
}

/** Checks an assertion of `row` against `challenge`; records the use and the new counter. */
async function verifyAssertion(
	app: Beckon,
	row: PasskeyRow,
	response: AuthenticationResponse,
	challenge: string,
	requireUserVerification: boolean
) {
	const rp = relyingPartyOf(app.config.publicUrl);
	let verified;
	try {
		verified = await verifyAuthenticationResponse({
			response: response as AuthenticationResponseJSON,
			expectedChallenge: challenge,
			expectedOrigin: rp.origin,
			expectedRPID: rp.id,
			credential: {
				id: row.id,
				publicKey: Buffer.from(row.publicKey, 'base64url'),
				counter: row.counter,
				transports: transportsOf(row)
			},
			requireUserVerification
		});
	} catch (error) {
		throw refusedBy(error, 'This passkey was not accepted');
	}
	if (!verified.verified) {
		throw refusedBy(new Error('its signature is not valid'), 'This passkey was not accepted');
	}
	const { newCounter, credentialBackedUp } = verified.authenticationInfo;
	write(app, () =>
		app.db
			.update(passkeys)
			.set({ counter: newCounter, backedUp: credentialBackedUp, lastUsedAt: app.clock() })
			.where(eq(passkeys.id, row.id))
			.run()
	);
}

const unknownPasskey = () =>
	new DomainError(
		DomainErrorReason.unauthenticated,
		'This passkey is not registered with Beckon (it may have been removed)',
		'response'
	);

/**
 * A sign-in with a passkey alone: answers the id of the account whose passkey signed (active
 * accounts only). Failures count in the address's sign-in throttle, as wrong passwords do.
 */
export async function signInWithPasskey(
	app: Beckon,
	response: AuthenticationResponse,
	clientAddress: string
): Promise<string> {
	const throttle = app.limits.login.address;
	const address = addressKey(clientAddress);
	const now = app.clock();
	const waitMs = throttle.waitMs(address, now);
	if (waitMs > 0) {
		throw new DomainError(
			DomainErrorReason.rateLimited,
			`Too many failed sign-ins; try again in ${Math.ceil(waitMs / 1000)} s`
		);
	}
	throttle.attempt(address, now);
	const challenge = takeAnswered(app, response.response.clientDataJSON, 'sign_in', null);
	const row = app.db.select().from(passkeys).where(eq(passkeys.id, response.id)).get();
	if (!row) throw unknownPasskey();
	// The user handle, when given, is the one the passkey was made with: the account's id.
	const handle = response.response.userHandle;
	if (handle && Buffer.from(handle, 'base64url').toString('utf8') !== row.userId) {
		throw unknownPasskey();
	}
	await verifyAssertion(app, row, response, challenge, true);
	const user = loadAuthUser(app, row.userId);
	if (!user) {
		throw new DomainError(DomainErrorReason.unauthenticated, 'This account is deactivated');
	}
	// With "SSO only" the organisation's provider is the one way in, a passkey alone included
	// (its break-glass admin excepted): leaving the company there must lock the account here.
	refusePasswordWhenSsoOnly(app, user.email);
	throttle.succeeded(address);
	return row.userId;
}

/** `navigator.credentials.get()` options for the second step: the account's own passkeys. */
export async function secondFactorOptions(app: Beckon, userId: string) {
	const rows = rowsOf(app, userId);
	if (rows.length === 0) throw conflict('This account has no passkey');
	const options = await generateAuthenticationOptions({
		rpID: relyingPartyOf(app.config.publicUrl).id,
		challenge: newChallenge(),
		timeout: TIMEOUT_MS,
		userVerification: 'preferred',
		allowCredentials: rows.map((row) => ({ id: row.id, transports: transportsOf(row) }))
	});
	keepChallenge(app, options.challenge, 'second_factor', userId);
	return options;
}

/**
 * A passkey of the account as the second step after its password (user verification not
 * needed: the password was the first factor). Failures count in the account's code throttle.
 */
export async function verifyPasskeySecondFactor(
	app: Beckon,
	userId: string,
	response: AuthenticationResponse,
	clientAddress: string
) {
	const succeeded = startCodeAttempt(app, userId, clientAddress, app.clock());
	const challenge = takeAnswered(app, response.response.clientDataJSON, 'second_factor', userId);
	const row = app.db
		.select()
		.from(passkeys)
		.where(and(eq(passkeys.id, response.id), eq(passkeys.userId, userId)))
		.get();
	if (!row) throw unknownPasskey();
	await verifyAssertion(app, row, response, challenge, false);
	succeeded();
}
