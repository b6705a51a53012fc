/**
 * Single sign-on with OpenID Connect: the admin's settings (their input schema) and the reasons a
 * sign-in through the provider fails, which the server puts in the redirect back to the app
 * (`/?sso_error=<reason>`) and the sign-in screen shows as a translated message.
 */
import { z } from 'zod';
import { PERMISSIONS, ROLES } from './types';

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

export const SSO_LIMITS = { url: 500, clientId: 300, secret: 1000, label: 60, domains: 50 };

const domain = z
	.string()
	.trim()
	.toLowerCase()
	.regex(/^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z0-9-]+$/, {
		message: 'must be a domain such as example.com'
	});

/**
 * An update of the SSO settings: every field optional. `clientSecret` set replaces the stored
 * one, `null` clears it; it is never sent back (`hasSecret` says whether one is stored).
 */
export const updateSsoSchema = z.object({
	enabled: z.boolean().optional(),
	issuerUrl: z
		.string()
		.trim()
		.max(SSO_LIMITS.url)
		.refine((v) => v === '' || /^https?:\/\/[^\s]+$/i.test(v), {
			message: 'must be an http(s) URL'
		})
		.optional(),
	clientId: z.string().trim().max(SSO_LIMITS.clientId).optional(),
	clientSecret: z.string().min(1).max(SSO_LIMITS.secret).nullable().optional(),
	label: z.string().trim().max(SSO_LIMITS.label).optional(),
	createUsers: z.boolean().optional(),
	defaultRole: z.enum(ROLES).optional(),
	defaultPermission: z.enum(PERMISSIONS).optional(),
	allowedDomains: z.array(domain).max(SSO_LIMITS.domains).optional(),
	ssoOnly: z.boolean().optional(),
	breakGlassEmail: z
		.string()
		.trim()
		.toLowerCase()
		.max(254)
		.refine((v) => v === '' || /^[^\s@]+@[^\s@]+$/.test(v), { message: 'must be an email' })
		.optional()
});
export type UpdateSso = z.infer<typeof updateSsoSchema>;

/** Whether `email`'s domain is allowed (every domain when the list is empty). */
export function emailDomainAllowed(email: string, allowedDomains: readonly string[]): boolean {
	if (allowedDomains.length === 0) return true;
	const at = email.lastIndexOf('@');
	return at > 0 && allowedDomains.includes(email.slice(at + 1).toLowerCase());
}
