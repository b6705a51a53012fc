/**
 * The admin's single sign-on settings, kept as one JSON row (`sso`) of the settings table. The
 * client secret is stored encrypted under a key derived from the server secret and never leaves
 * the server: the admin's view carries `hasSecret` instead.
 */
import { eq } from 'drizzle-orm';
import { DomainError, DomainErrorReason, invalid } from '../../lib/domain/errors';
import { SSO_ONLY_DETAIL, type UpdateSso } from '../../lib/domain/sso';
import type { Permission, Role } from '../../lib/domain/types';
import { write, type Beckon } from '../app';
import { settings, users } from '../db/schema';
import { recordAccountEvent } from './account-events';
import { decryptSecret, encryptSecret } from './second-factor';

const KEY = 'sso';

/** Where the provider sends the browser back; the admin registers it with the provider. */
export const OIDC_START_PATH = '/auth/oidc/start';
export const OIDC_CALLBACK_PATH = '/auth/oidc/callback';
export const OIDC_LOGOUT_PATH = '/auth/oidc/logout';

interface StoredSso {
	enabled: boolean;
	issuerUrl: string;
	clientId: string;
	/** `encryptSecret`'s sealed form, or null. */
	clientSecret: string | null;
	label: string;
	createUsers: boolean;
	defaultRole: Role;
	defaultPermission: Permission;
	allowedDomains: string[];
	ssoOnly: boolean;
	breakGlassEmail: string;
}

/** The settings as the admin sees them. */
export interface SsoSettings extends Omit<StoredSso, 'clientSecret'> {
	hasSecret: boolean;
	/** The redirect URI to register with the provider. */
	redirectUri: string;
}

/** What the sign-in through the provider needs (HTTP side), the secret in clear. */
export interface SsoClient {
	issuerUrl: string;
	clientId: string;
	clientSecret: string;
	redirectUri: string;
	/** Where the provider sends the browser after its own sign-out. */
	postLogoutUri: string;
}

const DEFAULTS: StoredSso = {
	enabled: false,
	issuerUrl: '',
	clientId: '',
	clientSecret: null,
	label: '',
	createUsers: false,
	defaultRole: 'agent',
	defaultPermission: 'edit',
	allowedDomains: [],
	ssoOnly: false,
	breakGlassEmail: ''
};

function stored(app: Beckon): StoredSso {
	const row = app.db.select().from(settings).where(eq(settings.key, KEY)).get();
	if (!row) return { ...DEFAULTS };
	try {
		return { ...DEFAULTS, ...(JSON.parse(row.value) as Partial<StoredSso>) };
	} catch {
		return { ...DEFAULTS };
	}
}

export const redirectUriOf = (app: Beckon) => `${app.config.publicUrl}${OIDC_CALLBACK_PATH}`;

export function getSso(app: Beckon): SsoSettings {
	const { clientSecret, ...rest } = stored(app);
	return { ...rest, hasSecret: clientSecret !== null, redirectUri: redirectUriOf(app) };
}

/** The label of the sign-in button: the admin's, else the issuer's host name. */
function labelOf(sso: StoredSso): string {
	if (sso.label) return sso.label;
	try {
		return new URL(sso.issuerUrl).hostname;
	} catch {
		return 'SSO';
	}
}

/** What the sign-in screen needs: whether to offer the provider's button, and its label. */
export function ssoInfo(app: Beckon): { enabled: boolean; label: string; ssoOnly: boolean } {
	const sso = stored(app);
	const enabled = isUsable(sso);
	return { enabled, label: enabled ? labelOf(sso) : '', ssoOnly: enabled && sso.ssoOnly };
}

const isUsable = (sso: StoredSso) =>
	sso.enabled && sso.issuerUrl !== '' && sso.clientId !== '' && sso.clientSecret !== null;

/** The client's settings with its secret, when SSO is enabled (a task: where the database is). */
export function ssoClient(app: Beckon): SsoClient | null {
	const sso = stored(app);
	if (!isUsable(sso)) return null;
	return {
		issuerUrl: sso.issuerUrl,
		clientId: sso.clientId,
		clientSecret: decryptSecret(app, sso.clientSecret!).toString('utf8'),
		redirectUri: redirectUriOf(app),
		postLogoutUri: `${app.config.publicUrl}/`
	};
}

/** The stored settings (secret included) for a test of the provider before they are saved. */
export function ssoClientForTest(app: Beckon, input: UpdateSso): SsoClient {
	const sso = stored(app);
	const issuerUrl = input.issuerUrl ?? sso.issuerUrl;
	const clientId = input.clientId ?? sso.clientId;
	if (!issuerUrl) throw invalid('issuerUrl', 'is required');
	checkIssuer(issuerUrl);
	if (!clientId) throw invalid('clientId', 'is required');
	const secret =
		input.clientSecret ??
		(sso.clientSecret ? decryptSecret(app, sso.clientSecret).toString('utf8') : '');
	if (!secret) throw invalid('clientSecret', 'is required');
	return {
		issuerUrl,
		clientId,
		clientSecret: secret,
		redirectUri: redirectUriOf(app),
		postLogoutUri: `${app.config.publicUrl}/`
	};
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Plain http is accepted for an issuer on this machine only (a local test provider). */
export function checkIssuer(issuerUrl: string) {
	let url: URL;
	try {
		url = new URL(issuerUrl);
	} catch {
		throw invalid('issuerUrl', 'must be an http(s) URL');
	}
	if (url.protocol === 'https:') return;
	if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return;
	throw invalid('issuerUrl', 'must be an https URL (plain http only for localhost)');
}

export function updateSso(app: Beckon, admin: { id: string }, input: UpdateSso): SsoSettings {
	return write(app, () => {
		const before = stored(app);
		const { clientSecret, ...fields } = input;
		const next: StoredSso = { ...before };
		for (const [key, value] of Object.entries(fields)) {
			if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
		}
		if (clientSecret !== undefined) {
			next.clientSecret =
				clientSecret === null ? null : encryptSecret(app, Buffer.from(clientSecret, 'utf8'));
		}
		if (next.issuerUrl) checkIssuer(next.issuerUrl);
		if (next.enabled) {
			if (!next.issuerUrl) throw invalid('issuerUrl', 'is required to enable single sign-on');
			if (!next.clientId) throw invalid('clientId', 'is required to enable single sign-on');
			if (next.clientSecret === null) {
				throw invalid('clientSecret', 'is required to enable single sign-on');
			}
		}
		if (next.ssoOnly) {
			// Someone must still be able to sign in should the provider fail: an active admin.
			const breakGlass = next.breakGlassEmail
				? app.db.select().from(users).where(eq(users.email, next.breakGlassEmail)).get()
				: undefined;
			if (!breakGlass || breakGlass.role !== 'admin' || !breakGlass.active) {
				throw invalid(
					'breakGlassEmail',
					'must be the email of an active admin, who keeps signing in with a password'
				);
			}
		}
		const value = JSON.stringify(next);
		app.db
			.insert(settings)
			.values({ key: KEY, value })
			.onConflictDoUpdate({ target: settings.key, set: { value } })
			.run();
		const changed = Object.keys(next).filter(
			(key) =>
				JSON.stringify(next[key as keyof StoredSso]) !==
				JSON.stringify(before[key as keyof StoredSso])
		);
		// The admin's own audit log records the change: which fields, never the secret's value.
		recordAccountEvent(app, {
			userId: admin.id,
			type: 'sso_settings_changed',
			actor: admin.id,
			data: { changed }
		});
		return getSso(app);
	});
}

/**
 * Refuses a password sign-in when only SSO is allowed, except the break-glass admin's. Refused
 * for every email alike, before the password is looked at (it tells nothing about accounts).
 */
export function refusePasswordWhenSsoOnly(app: Beckon, email: string) {
	const sso = stored(app);
	if (!isUsable(sso) || !sso.ssoOnly || email === sso.breakGlassEmail) return;
	throw new DomainError(
		DomainErrorReason.forbidden,
		`Sign in with ${labelOf(sso)}: passwords are not accepted here`,
		undefined,
		SSO_ONLY_DETAIL
	);
}

/** What a sign-in through the provider needs of the settings. */
export function ssoPolicy(app: Beckon) {
	const { createUsers, defaultRole, defaultPermission, allowedDomains } = stored(app);
	return { createUsers, defaultRole, defaultPermission, allowedDomains };
}

/**
 * The way back in when the provider is down and the break-glass admin is out of reach (the
 * `beckon sso disable` command): single sign-on and "SSO only" off, passwords accepted again.
 * Answers whether it was on.
 */
export function turnOffSso(app: Beckon): boolean {
	return write(app, () => {
		const before = stored(app);
		const value = JSON.stringify({ ...before, enabled: false, ssoOnly: false });
		app.db
			.insert(settings)
			.values({ key: KEY, value })
			.onConflictDoUpdate({ target: settings.key, set: { value } })
			.run();
		return before.enabled;
	});
}
