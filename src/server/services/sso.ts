/**
 * A sign-in through the OpenID provider, once the provider's answer is checked (http/oidc.ts):
 * the account is found by its verified email, or made just in time when the admin allows it, and
 * the sign-in continues as a password sign-in does (services/auth.ts `completeSignIn`: a second
 * factor, when the account has one, is still asked).
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { emailDomainAllowed, type SsoFailure } from '../../lib/domain/sso';
import { LIMITS } from '../../lib/domain/schemas';
import { write, type Beckon } from '../app';
import { users } from '../db/schema';
import { recordAccountEvent } from './account-events';
import { completeSignIn, type Device, type LoginResult } from './auth';
import { ssoPolicy } from './sso-settings';
import type { FlowChecks } from '../sso/oidc-client';

/** What the provider said of the user (ID token, else userinfo). */
export interface SsoClaims {
	sub: string;
	email: string | null;
	emailVerified: boolean;
	name: string | null;
}

export type SsoOutcome =
	| Exclude<LoginResult, { kind: 'session' }>
	| { kind: 'session'; sessionToken: string; expiresAt: number; userId: string }
	| { kind: 'failed'; reason: SsoFailure };

/**
 * The password of an account made by single sign-on: not an argon2 hash, so no password ever
 * matches it (`login` refuses it), and unique, so a pending sign-in token cannot outlive it.
 */
const noPassword = () => `sso:${randomBytes(16).toString('base64url')}`;

export function ssoSignIn(app: Beckon, claims: SsoClaims, device: Device): SsoOutcome {
	const email = claims.email?.trim().toLowerCase() ?? '';
	// Only the provider's word that it checked the email makes it the account's key.
	if (!email || claims.emailVerified !== true)
		return { kind: 'failed', reason: 'email_unverified' };
	const policy = ssoPolicy(app);
	if (!emailDomainAllowed(email, policy.allowedDomains)) {
		return { kind: 'failed', reason: 'email_not_allowed' };
	}
	const found = write(app, () => {
		const row = app.db.select().from(users).where(eq(users.email, email)).get();
		if (row) return row;
		if (!policy.createUsers || email.length > LIMITS.email) return null;
		const now = app.clock();
		const id = uuidv7();
		const name = (claims.name?.trim() || email.slice(0, email.indexOf('@'))).slice(
			0,
			LIMITS.userName
		);
		app.db
			.insert(users)
			.values({
				id,
				email,
				name,
				passwordHash: noPassword(),
				role: policy.defaultRole,
				permission: policy.defaultPermission,
				active: true,
				createdAt: now,
				updatedAt: now
			})
			.run();
		recordAccountEvent(app, {
			userId: id,
			type: 'sso_user_created',
			actor: id,
			data: { role: policy.defaultRole, permission: policy.defaultPermission }
		});
		return app.db.select().from(users).where(eq(users.id, id)).get()!;
	});
	if (!found) return { kind: 'failed', reason: 'unknown_user' };
	if (!found.active) return { kind: 'failed', reason: 'account_disabled' };
	const result = completeSignIn(app, found, device);
	if (result.kind === 'pending') return result;
	const { sessionToken, expiresAt, user } = result;
	return { kind: 'session', sessionToken, expiresAt, userId: user.id };
}

const flowKeys = new WeakMap<Buffer, Buffer>();

function flowMac(app: Beckon, body: string): string {
	let key = flowKeys.get(app.secret);
	if (!key) {
		key = Buffer.from(hkdfSync('sha256', app.secret, '', 'beckon oidc flow', 32));
		flowKeys.set(app.secret, key);
	}
	return createHmac('sha256', key).update(body).digest('base64url');
}

/**
 * A sign-in's state, nonce and code verifier, sealed for its cookie (signed, with its expiry):
 * the browser keeps them between the redirect to the provider and the callback.
 */
export function sealFlow(app: Beckon, checks: FlowChecks, lifetimeMs: number): string {
	const { state, nonce, codeVerifier } = checks;
	const body = Buffer.from(
		JSON.stringify({ state, nonce, codeVerifier, expiresAt: app.clock() + lifetimeMs })
	).toString('base64url');
	return `${body}.${flowMac(app, body)}`;
}

/** The checks of a sealed flow, or null when it is missing, altered or expired. */
export function openFlow(app: Beckon, value: string | null): FlowChecks | null {
	const [body, mac] = (value ?? '').split('.');
	if (!body || !mac) return null;
	const expected = Buffer.from(flowMac(app, body));
	const given = Buffer.from(mac);
	if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
	try {
		const flow = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as FlowChecks & {
			expiresAt: number;
		};
		if (!(flow.expiresAt > app.clock())) return null;
		return { state: flow.state, nonce: flow.nonce, codeVerifier: flow.codeVerifier };
	} catch {
		return null;
	}
}
