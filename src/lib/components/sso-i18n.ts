/**
 * The sign-in screen's single sign-on strings, in the agent's language. Imported one by one (as
 * security-i18n.ts does), so the requests page loads only these.
 */
import { agentLocale } from './agent-i18n';
import type { SsoFailure } from '../domain/sign-in';
import { SSO_ONLY_DETAIL } from '../domain/sign-in';
import { sso_sign_in_with } from '../paraglide/messages/sso_sign_in_with.js';
import { sso_or_password } from '../paraglide/messages/sso_or_password.js';
import { sso_only_note } from '../paraglide/messages/sso_only_note.js';
import { sso_password_refused } from '../paraglide/messages/sso_password_refused.js';
import { sso_sign_out_provider } from '../paraglide/messages/sso_sign_out_provider.js';
import { sso_error_disabled } from '../paraglide/messages/sso_error_disabled.js';
import { sso_error_issuer_unreachable } from '../paraglide/messages/sso_error_issuer_unreachable.js';
import { sso_error_client_rejected } from '../paraglide/messages/sso_error_client_rejected.js';
import { sso_error_provider_error } from '../paraglide/messages/sso_error_provider_error.js';
import { sso_error_state_mismatch } from '../paraglide/messages/sso_error_state_mismatch.js';
import { sso_error_email_unverified } from '../paraglide/messages/sso_error_email_unverified.js';
import { sso_error_email_not_allowed } from '../paraglide/messages/sso_error_email_not_allowed.js';
import { sso_error_unknown_user } from '../paraglide/messages/sso_error_unknown_user.js';
import { sso_error_account_disabled } from '../paraglide/messages/sso_error_account_disabled.js';

const locale = { locale: agentLocale };

export const signInWith = (label: string) => sso_sign_in_with({ label }, locale);
export const orPassword = () => sso_or_password({}, locale);
export const ssoOnlyNote = (label: string) => sso_only_note({ label }, locale);
export const signOutOfProvider = (label: string) => sso_sign_out_provider({ label }, locale);

const FAILURES: Record<SsoFailure, () => string> = {
	disabled: () => sso_error_disabled({}, locale),
	issuer_unreachable: () => sso_error_issuer_unreachable({}, locale),
	client_rejected: () => sso_error_client_rejected({}, locale),
	provider_error: () => sso_error_provider_error({}, locale),
	state_mismatch: () => sso_error_state_mismatch({}, locale),
	email_unverified: () => sso_error_email_unverified({}, locale),
	email_not_allowed: () => sso_error_email_not_allowed({}, locale),
	unknown_user: () => sso_error_unknown_user({}, locale),
	account_disabled: () => sso_error_account_disabled({}, locale)
};

/** Why a sign-in through the provider failed, from the reason the server redirected with. */
export const ssoFailure = (reason: SsoFailure) => FAILURES[reason]();

/** A password sign-in refused because only SSO is allowed, in the agent's language; else null. */
export function passwordRefusal(error: unknown, label: string): string | null {
	const data = (error as { data?: { reason?: string; detail?: string } } | null)?.data;
	if (data?.reason !== 'forbidden' || data.detail !== SSO_ONLY_DETAIL) return null;
	return sso_password_refused({ label: label || 'SSO' }, locale);
}
