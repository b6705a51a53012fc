import { z } from 'zod';
import { DomainError, DomainErrorReason } from '../../../lib/domain/errors';
import {
	beginTwoFactorSchema,
	codeSchema,
	confirmTwoFactorSchema,
	loginSchema,
	pendingTokenSchema,
	secondFactorSchema,
	sessionIdSchema
} from '../../../lib/domain/schemas';
import {
	listSessions,
	login,
	logout,
	pendingUser,
	SESSION_LIFETIME_MS,
	signOutSession,
	startSession
} from '../../services/auth';
import {
	beginEnrolment,
	confirmEnrolment,
	disableTwoFactor,
	regenerateRecoveryCodes,
	twoFactorStatus,
	verifySecondFactor
} from '../../services/second-factor';
import { getUser, type AuthUser } from '../../services/users';
import { ssoClient, ssoInfo } from '../../services/sso-settings';
import { endSessionUrl } from '../../sso/oidc-client';
import { enrolPasskeySchema, passkeySignInSchema } from '../../../lib/domain/passkeys';
import {
	registerPasskey,
	registrationOptions,
	secondFactorOptions,
	signInOptions,
	signInWithPasskey,
	verifyPasskeySecondFactor
} from '../../services/passkeys';
import { sessionCookie, type Context } from '../context';
import { agentProcedure, publicProcedure, router } from '../trpc';

/** Starts the session of a completed sign-in on this device and sets its cookie. */
function signInDevice(ctx: Context, userId: string) {
	const { sessionToken } = startSession(ctx.app, userId, {
		userAgent: ctx.userAgent,
		address: ctx.clientAddress
	});
	setSessionCookie(ctx, sessionToken);
	return getUser(ctx.app, userId);
}

function setSessionCookie(ctx: Context, sessionToken: string) {
	ctx.resHeaders?.append(
		'set-cookie',
		sessionCookie(ctx, sessionToken, Math.floor(SESSION_LIFETIME_MS / 1000))
	);
}

/** Who enrols: the signed-in caller, or the account whose sign-in waits for its enrolment. */
function enrollingUser(ctx: Context, pendingToken: string | undefined): AuthUser {
	if (pendingToken) return pendingUser(ctx.app, pendingToken, 'enrol');
	if (ctx.user) return ctx.user;
	throw new DomainError(DomainErrorReason.unauthenticated, 'Sign in first');
}

export const authRouter = router({
	/**
	 * `{user}` with the session cookie; or, when the account has a second factor (or must set one
	 * up first), `{user: null, secondFactor: {step, pendingToken, expiresAt}}` and no cookie yet.
	 */
	login: publicProcedure.input(loginSchema).mutation(async ({ ctx, input }) => {
		const result = await login(ctx.app, input, ctx.clientAddress, ctx.userAgent);
		if (result.kind === 'pending') {
			const { step, pendingToken, expiresAt, methods } = result;
			return {
				user: null,
				secondFactor: {
					step,
					pendingToken,
					expiresAt: new Date(expiresAt).toISOString(),
					methods
				}
			};
		}
		setSessionCookie(ctx, result.sessionToken);
		return { user: getUser(ctx.app, result.user.id) };
	}),
	/**
	 * The second step: the app's code, a recovery code (spent) or a passkey's answer (to
	 * `passkeySecondFactorOptions`) → `{user}` and the cookie.
	 */
	verifySecondFactor: publicProcedure.input(secondFactorSchema).mutation(async ({ ctx, input }) => {
		const user = pendingUser(ctx.app, input.pendingToken, 'code');
		if (input.passkey) {
			await verifyPasskeySecondFactor(ctx.app, user.id, input.passkey, ctx.clientAddress);
		} else {
			verifySecondFactor(ctx.app, user.id, input, ctx.clientAddress);
		}
		return { user: signInDevice(ctx, user.id) };
	}),
	/** `navigator.credentials.get()` options for the second step with one of the account's passkeys. */
	passkeySecondFactorOptions: publicProcedure
		.input(pendingTokenSchema)
		.mutation(({ ctx, input }) =>
			secondFactorOptions(ctx.app, pendingUser(ctx.app, input.pendingToken, 'code').id)
		),
	/** `navigator.credentials.get()` options for a sign-in with a passkey alone (any account's). */
	passkeyOptions: publicProcedure
		.input(z.object({}).optional())
		.mutation(({ ctx }) => signInOptions(ctx.app, ctx.clientAddress)),
	/**
	 * An account that must set up a second factor at sign-in may add a passkey instead of an app:
	 * the creation options for the `enrol` step's `pendingToken`…
	 */
	enrolPasskeyOptions: publicProcedure
		.input(pendingTokenSchema)
		.mutation(({ ctx, input }) =>
			registrationOptions(ctx.app, pendingUser(ctx.app, input.pendingToken, 'enrol'))
		),
	/** …and the authenticator's answer → `{passkey, user}` and the session cookie. */
	enrolPasskey: publicProcedure.input(enrolPasskeySchema).mutation(async ({ ctx, input }) => {
		const user = pendingUser(ctx.app, input.pendingToken, 'enrol');
		const passkey = await registerPasskey(ctx.app, user, input);
		return { passkey, user: signInDevice(ctx, user.id) };
	}),
	/** A passkey alone (user verified) → `{user}` and the cookie, as a completed password sign-in. */
	passkeySignIn: publicProcedure.input(passkeySignInSchema).mutation(async ({ ctx, input }) => {
		const userId = await signInWithPasskey(ctx.app, input.response, ctx.clientAddress);
		return { user: signInDevice(ctx, userId) };
	}),
	logout: publicProcedure.input(z.object({}).optional()).mutation(({ ctx }) => {
		if (ctx.sessionToken) logout(ctx.app, ctx.sessionToken);
		ctx.resHeaders?.append('set-cookie', sessionCookie(ctx, '', 0));
		return { ok: true as const };
	}),
	me: agentProcedure.query(({ ctx }) => ({ user: getUser(ctx.app, ctx.user.id) })),
	twoFactor: agentProcedure.query(({ ctx }) => twoFactorStatus(ctx.app, ctx.user)),
	/** `{secret, otpauthUri}`: the only answer that ever carries the secret. */
	beginTwoFactor: publicProcedure
		.input(beginTwoFactorSchema)
		.mutation(({ ctx, input }) => beginEnrolment(ctx.app, enrollingUser(ctx, input?.pendingToken))),
	/**
	 * `{recoveryCodes}` (shown once); after an enrolment at sign-in also `{user}` and the cookie.
	 */
	confirmTwoFactor: publicProcedure.input(confirmTwoFactorSchema).mutation(({ ctx, input }) => {
		const user = enrollingUser(ctx, input.pendingToken);
		const { recoveryCodes } = confirmEnrolment(ctx.app, user, input.code, ctx.clientAddress);
		if (!input.pendingToken) return { recoveryCodes, user: null };
		return { recoveryCodes, user: signInDevice(ctx, user.id) };
	}),
	disableTwoFactor: agentProcedure.input(codeSchema).mutation(({ ctx, input }) => {
		disableTwoFactor(ctx.app, ctx.user, input.code, ctx.clientAddress);
		return { ok: true as const };
	}),
	regenerateRecoveryCodes: agentProcedure
		.input(codeSchema)
		.mutation(({ ctx, input }) =>
			regenerateRecoveryCodes(ctx.app, ctx.user, input.code, ctx.clientAddress)
		),
	/** The caller's signed-in devices, the current one marked. */
	sessions: agentProcedure.query(({ ctx }) => ({
		sessions: listSessions(ctx.app, ctx.user.id, ctx.sessionToken)
	})),
	/** The sign-in screen's single sign-on button: `{enabled, label, ssoOnly}`. */
	ssoInfo: publicProcedure.query(({ ctx }) => ssoInfo(ctx.app)),
	/**
	 * `{url}`: where to end the session at the OpenID provider too (after signing out of Beckon),
	 * or null when single sign-on is off, the provider has no end-session endpoint or is down.
	 */
	ssoEndSession: publicProcedure.query(async ({ ctx }) => {
		const client = ssoClient(ctx.app);
		const url = client ? await endSessionUrl(client).catch(() => null) : null;
		return { url };
	}),
	signOutSession: agentProcedure.input(sessionIdSchema).mutation(({ ctx, input }) => {
		signOutSession(ctx.app, ctx.user, input.id);
		return { ok: true as const };
	})
});
