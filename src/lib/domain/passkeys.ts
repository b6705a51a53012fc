/**
 * Passkeys (WebAuthn) as the API takes them: a passkey's name, and the browser's answers to
 * `navigator.credentials.create()` / `.get()` in their JSON form (what @simplewebauthn/browser
 * sends). The server checks the cryptography; these only bound the shapes and sizes.
 */
import { z } from 'zod';

export const PASSKEY_NAME_MAX = 60;

export const passkeyNameSchema = z
	.string()
	.trim()
	.min(1, { message: 'is required' })
	.max(PASSKEY_NAME_MAX, { message: `must be at most ${PASSKEY_NAME_MAX} characters` });

const base64url = (max: number) =>
	z
		.string()
		.max(max)
		.regex(/^[A-Za-z0-9_-]*$/, { message: 'must be base64url' });

const credentialFields = {
	id: base64url(1400).min(1),
	rawId: base64url(1400).min(1),
	type: z.literal('public-key'),
	authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
	// The browser's extension outputs: none asked for, so only their being an object is checked.
	clientExtensionResults: z
		.custom<object>((value) => typeof value === 'object' && value !== null, {
			message: 'must be an object'
		})
		.default({})
};

export const registrationResponseSchema = z.object({
	...credentialFields,
	response: z.object({
		clientDataJSON: base64url(4000),
		attestationObject: base64url(64_000),
		transports: z.array(z.string().max(30)).max(10).optional(),
		authenticatorData: base64url(64_000).optional(),
		publicKey: base64url(4000).optional(),
		publicKeyAlgorithm: z.number().int().optional()
	})
});

export const authenticationResponseSchema = z.object({
	...credentialFields,
	response: z.object({
		clientDataJSON: base64url(4000),
		authenticatorData: base64url(64_000),
		signature: base64url(4000),
		userHandle: base64url(400).optional()
	})
});

/** A passkey's id: its credential id, base64url. */
export const passkeyIdSchema = z.object({ id: base64url(1400).min(1) });
export const registerPasskeySchema = z.object({
	name: passkeyNameSchema,
	response: registrationResponseSchema
});
export const renamePasskeySchema = z.object({
	id: base64url(1400).min(1),
	name: passkeyNameSchema
});
export const passkeySignInSchema = z.object({ response: authenticationResponseSchema });
/** A passkey added as the second factor an `enrol` step of a sign-in asks for. */
export const enrolPasskeySchema = registerPasskeySchema.extend({
	pendingToken: z.string().min(1, { message: 'is required' }).max(400)
});

export { SECOND_FACTOR_METHODS, type SecondFactorMethod } from './sign-in';
