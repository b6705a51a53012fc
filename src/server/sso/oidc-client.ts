/**
 * The OpenID provider on the wire (openid-client): its discovery, the authorization URL of a
 * code flow with PKCE (S256), state and nonce, the code exchange and its checks, the claims, the
 * end-session URL, and the admin's test of the settings. No database: the settings come in as
 * an `SsoClient` (services/sso-settings.ts). Every failure is an `SsoProviderError` naming an
 * `SsoFailure` reason and saying in plain words what went wrong.
 */
import * as oidc from 'openid-client';
import { createHash } from 'node:crypto';
import type { SsoFailure } from '../../lib/domain/sso';
import type { SsoClient } from '../services/sso-settings';
import type { SsoClaims } from '../services/sso';

export class SsoProviderError extends Error {
	readonly reason: SsoFailure;
	constructor(reason: SsoFailure, message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = 'SsoProviderError';
		this.reason = reason;
	}
}

/** Seconds a call to the provider may take. */
const TIMEOUT_S = 10;
/** How long a discovered configuration is reused. */
const DISCOVERY_TTL_MS = 10 * 60_000;

const discovered = new Map<string, { at: number; config: Promise<oidc.Configuration> }>();

const cacheKey = (client: SsoClient) =>
	createHash('sha256')
		.update(`${client.issuerUrl}\n${client.clientId}\n${client.clientSecret}`)
		.digest('hex');

const isHttp = (client: SsoClient) => client.issuerUrl.startsWith('http:');

/** Why a call to the provider failed, in words an admin can act on. */
function describe(error: unknown): string {
	if (error instanceof oidc.WWWAuthenticateChallengeError) {
		const challenge = error.cause[0];
		const said = challenge?.parameters.error_description ?? challenge?.parameters.error;
		return `HTTP ${error.status}${said ? `: ${said}` : ''}`;
	}
	if (error instanceof oidc.ResponseBodyError) {
		return `${error.error}${error.error_description ? `: ${error.error_description}` : ''} (HTTP ${error.status})`;
	}
	const cause = (error as { cause?: { code?: string; message?: string } }).cause;
	const message = error instanceof Error ? error.message : String(error);
	return cause?.code ? `${message} (${cause.code})` : message;
}

async function discoverFresh(client: SsoClient): Promise<oidc.Configuration> {
	try {
		return await oidc.discovery(
			new URL(client.issuerUrl),
			client.clientId,
			{ redirect_uris: [client.redirectUri], response_types: ['code'] },
			oidc.ClientSecretBasic(client.clientSecret),
			{ timeout: TIMEOUT_S, execute: isHttp(client) ? [oidc.allowInsecureRequests] : [] }
		);
	} catch (error) {
		throw new SsoProviderError(
			'issuer_unreachable',
			`The issuer ${client.issuerUrl} could not be discovered: ${describe(error)}`,
			{ cause: error }
		);
	}
}

/** The provider's configuration (its discovery document), reused for ten minutes. */
export function discover(client: SsoClient, now = Date.now()): Promise<oidc.Configuration> {
	const key = cacheKey(client);
	const hit = discovered.get(key);
	if (hit && now - hit.at < DISCOVERY_TTL_MS) return hit.config;
	const config = discoverFresh(client);
	discovered.set(key, { at: now, config });
	// A failure is not kept: the next sign-in tries again.
	config.catch(() => discovered.delete(key));
	return config;
}

/** What a sign-in must remember between the redirect and the callback. */
export interface FlowChecks {
	state: string;
	nonce: string;
	codeVerifier: string;
}

export async function authorizationUrl(
	client: SsoClient
): Promise<{ url: URL; checks: FlowChecks }> {
	const config = await discover(client);
	const codeVerifier = oidc.randomPKCECodeVerifier();
	const checks = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier };
	const url = oidc.buildAuthorizationUrl(config, {
		redirect_uri: client.redirectUri,
		scope: 'openid email profile',
		code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
		code_challenge_method: 'S256',
		state: checks.state,
		nonce: checks.nonce
	});
	return { url, checks };
}

const CLIENT_ERRORS = new Set(['invalid_client', 'unauthorized_client', 'unauthorized']);

/** The token endpoint refused the client itself (its id or secret), not the code. */
function refusesClient(error: unknown): boolean {
	if (error instanceof oidc.WWWAuthenticateChallengeError) return error.status === 401;
	return (
		error instanceof oidc.ResponseBodyError &&
		(CLIENT_ERRORS.has(error.error) || error.status === 401)
	);
}

/**
 * The code of the provider's answer exchanged for tokens, the ID token checked (signature,
 * issuer, audience, nonce) and the user's claims: the ID token's, completed from userinfo when
 * it leaves out the email.
 */
export async function exchangeCode(
	client: SsoClient,
	callbackUrl: URL,
	checks: FlowChecks
): Promise<SsoClaims> {
	const config = await discover(client);
	let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
	try {
		tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
			pkceCodeVerifier: checks.codeVerifier,
			expectedState: checks.state,
			expectedNonce: checks.nonce,
			idTokenExpected: true
		});
	} catch (error) {
		throw classify(error, client);
	}
	const idClaims = tokens.claims()!;
	let claims: Record<string, unknown> = { ...idClaims };
	if (
		(typeof claims.email !== 'string' || claims.email_verified === undefined) &&
		tokens.access_token &&
		config.serverMetadata().userinfo_endpoint
	) {
		try {
			const info = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
			claims = { ...info, ...claims, email: info.email, email_verified: info.email_verified };
		} catch (error) {
			throw new SsoProviderError(
				'provider_error',
				`The provider's userinfo could not be read: ${describe(error)}`,
				{ cause: error }
			);
		}
	}
	return {
		sub: idClaims.sub,
		email: typeof claims.email === 'string' ? claims.email : null,
		// Only a boolean true counts ("true" as a string is not the provider's word).
		emailVerified: claims.email_verified === true,
		name: typeof claims.name === 'string' ? claims.name : null
	};
}

function classify(error: unknown, client: SsoClient): SsoProviderError {
	if (error instanceof SsoProviderError) return error;
	if (error instanceof oidc.AuthorizationResponseError) {
		return new SsoProviderError(
			'provider_error',
			`The provider refused the sign-in: ${error.error}${error.error_description ? ` (${error.error_description})` : ''}`,
			{ cause: error }
		);
	}
	if (
		error instanceof oidc.ResponseBodyError ||
		error instanceof oidc.WWWAuthenticateChallengeError
	) {
		const reason = refusesClient(error);
		return new SsoProviderError(
			reason ? 'client_rejected' : 'provider_error',
			reason
				? `The provider refused client ${client.clientId}: check the client id and secret (${describe(error)})`
				: `The provider refused the code: ${describe(error)}`,
			{ cause: error }
		);
	}
	const code = (error as { code?: string }).code ?? '';
	if (code.startsWith('OAUTH_') && /CLAIM|STATE|NONCE|PARAMETER|INVALID_RESPONSE/.test(code)) {
		return new SsoProviderError(
			'state_mismatch',
			`The provider's answer did not pass its checks: ${describe(error)}`,
			{ cause: error }
		);
	}
	return new SsoProviderError(
		'issuer_unreachable',
		`The provider could not be reached: ${describe(error)}`,
		{ cause: error }
	);
}

/** The provider's end-session URL, when its discovery document has one. */
export async function endSessionUrl(client: SsoClient): Promise<string | null> {
	const config = await discover(client);
	if (!config.serverMetadata().end_session_endpoint) return null;
	return oidc
		.buildEndSessionUrl(config, {
			client_id: client.clientId,
			post_logout_redirect_uri: client.postLogoutUri
		})
		.toString();
}

export interface ProviderTest {
	ok: boolean;
	/** The failure's reason and words, when not ok. */
	reason: SsoFailure | null;
	message: string;
	issuer: string | null;
	endSession: boolean;
}

/**
 * The admin's test of the settings: discovery, then the client's credentials, checked by a code
 * exchange with a code that cannot exist. The provider authenticates the client before it looks
 * at the code: `invalid_client` means the id or secret is wrong, `invalid_grant` that they are
 * right.
 */
export async function testProvider(client: SsoClient): Promise<ProviderTest> {
	let config: oidc.Configuration;
	try {
		config = await discoverFresh(client);
	} catch (error) {
		const failure = error as SsoProviderError;
		return {
			ok: false,
			reason: failure.reason,
			message: failure.message,
			issuer: null,
			endSession: false
		};
	}
	const metadata = config.serverMetadata();
	const found = {
		issuer: metadata.issuer,
		endSession: Boolean(metadata.end_session_endpoint)
	};
	try {
		await oidc.genericGrantRequest(config, 'authorization_code', {
			code: 'beckon-settings-test',
			redirect_uri: client.redirectUri
		});
	} catch (error) {
		if (refusesClient(error)) {
			return {
				ok: false,
				reason: 'client_rejected',
				message: `The provider refused client ${client.clientId}: check the client id and secret (${describe(error)})`,
				...found
			};
		}
		if (error instanceof oidc.ResponseBodyError) {
			return {
				ok: true,
				reason: null,
				message: `The provider ${metadata.issuer} answers and accepts client ${client.clientId}`,
				...found
			};
		}
		return {
			ok: false,
			reason: 'issuer_unreachable',
			message: `The provider's token endpoint could not be reached: ${describe(error)}`,
			...found
		};
	}
	return {
		ok: false,
		reason: 'provider_error',
		message: 'The provider accepted a code that cannot exist: it is not to be trusted',
		...found
	};
}
