/**
 * Single sign-on with OpenID Connect: the admin's settings (their input schema) and the reasons a
 * sign-in through the provider fails (held in `sign-in.ts`, without zod, for the sign-in screen).
 */
import { z } from 'zod';
import { PERMISSIONS, ROLES } from './types';

export { isSsoFailure, SSO_FAILURES, SSO_ONLY_DETAIL, type SsoFailure } from './sign-in';

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
