/**
 * The browser side of passkeys: the WebAuthn ceremonies (@simplewebauthn/browser, loaded only
 * when a passkey is used, so the requests page's first screen does not carry it) around the
 * server's options and verification.
 */
import type { Api } from './api';

const browser = () => import('@simplewebauthn/browser');

/** Whether this browser has WebAuthn at all (checked without loading the library). */
export const passkeysSupported = () =>
	typeof window !== 'undefined' && typeof window.PublicKeyCredential === 'function';

/** The user cancelled, or the browser's prompt timed out (not an error worth its wording). */
export const cancelledByUser = (error: unknown) =>
	error instanceof Error && (error.name === 'NotAllowedError' || error.name === 'AbortError');

/** Creates a passkey on this device's authenticator and registers it under `name`. */
export async function addPasskey(api: Api, name: string) {
	const optionsJSON = await api.passkeys.registrationOptions.mutate();
	const { startRegistration } = await browser();
	const response = await startRegistration({ optionsJSON });
	return (await api.passkeys.register.mutate({ name, response })).passkey;
}

/** Signs in with a passkey alone: the server sets the session cookie, as after a password. */
export async function signInWithPasskey(api: Api) {
	const optionsJSON = await api.auth.passkeyOptions.mutate();
	const { startAuthentication } = await browser();
	const response = await startAuthentication({ optionsJSON });
	await api.auth.passkeySignIn.mutate({ response });
}

/** The second step of a password sign-in made with one of the account's passkeys. */
export async function passkeySecondStep(api: Api, pendingToken: string) {
	const optionsJSON = await api.auth.passkeySecondFactorOptions.mutate({ pendingToken });
	const { startAuthentication } = await browser();
	const passkey = await startAuthentication({ optionsJSON });
	await api.auth.verifySecondFactor.mutate({ pendingToken, passkey });
}

/** A passkey as the second factor an `enrol` step asks for; the server then sets the cookie. */
export async function enrolPasskey(api: Api, pendingToken: string, name: string) {
	const optionsJSON = await api.auth.enrolPasskeyOptions.mutate({ pendingToken });
	const { startRegistration } = await browser();
	const response = await startRegistration({ optionsJSON });
	await api.auth.enrolPasskey.mutate({ pendingToken, name, response });
}
