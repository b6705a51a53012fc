/**
 * Sign-in rules shared by the server and the agent app: who must have a second factor, the
 * shapes of the codes a user types, how a second step can be made and why a single sign-on
 * failed. No zod here: the sign-in screen is the agent app's first (README, Performance row 7);
 * `sso.ts` and `passkeys.ts` re-export what they used to hold.
 */
import type { Role } from './types';

/** The organisation's setting: nobody, admins, or every account must use an authenticator app. */
export const TWO_FACTOR_REQUIREMENTS = ['off', 'admins', 'everyone'] as const;
export type TwoFactorRequirement = (typeof TWO_FACTOR_REQUIREMENTS)[number];

export function requiresSecondFactor(requirement: TwoFactorRequirement, role: Role): boolean {
	return requirement === 'everyone' || (requirement === 'admins' && role === 'admin');
}

/** Recovery codes as typed: case, spaces and dashes do not matter. */
export const normalizeRecoveryCode = (code: string) => code.toLowerCase().replace(/[\s-]/g, '');

/** How many recovery codes a confirmed second factor comes with. */
export const RECOVERY_CODE_COUNT = 10;

/**
 * Why a sign-in through the provider failed, which the server puts in the redirect back to the
 * app (`/?sso_error=<reason>`) and the sign-in screen shows as a translated message.
 */
export const SSO_FAILURES = [
	/** SSO is not enabled (or not configured). */
	'disabled',
	/** The issuer could not be reached, or its discovery document is not OpenID Connect. */
	'issuer_unreachable',
	/** The provider refused the client: wrong client id or secret, or the redirect URI. */
	'client_rejected',
	/** The provider answered with an error (the user cancelled, or access was denied). */
	'provider_error',
	/** The sign-in took too long, or its state, nonce or PKCE check failed. */
	'state_mismatch',
	/** The provider did not vouch for the email (`email_verified` not true), or gave none. */
	'email_unverified',
	/** The email's domain is not among the allowed ones. */
	'email_not_allowed',
	/** No account has this email and just-in-time creation is off. */
	'unknown_user',
	/** The account is deactivated. */
	'account_disabled'
] as const;
export type SsoFailure = (typeof SSO_FAILURES)[number];

export const isSsoFailure = (value: unknown): value is SsoFailure =>
	typeof value === 'string' && (SSO_FAILURES as readonly string[]).includes(value);

/** `forbidden` refusals of a password sign-in carry this `detail` when only SSO is allowed. */
export const SSO_ONLY_DETAIL = 'sso_only';

/** How the second step of a sign-in can be made: the authenticator app, or a passkey. */
export const SECOND_FACTOR_METHODS = ['totp', 'passkey'] as const;
export type SecondFactorMethod = (typeof SECOND_FACTOR_METHODS)[number];
