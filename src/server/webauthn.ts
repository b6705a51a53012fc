/**
 * The WebAuthn relying party Beckon is: derived from the public URL (BECKON_PUBLIC_URL), never
 * from a request. Its host is the RP id a passkey is bound to and its origin the only one whose
 * answers are accepted, so agents must open Beckon at that very address (over https, or on
 * localhost / 127.0.0.1, where browsers allow WebAuthn over http). Changing the public URL's host
 * leaves the passkeys made under the old one unusable.
 */
export interface RelyingParty {
	/** The RP id: the public URL's host name, without port. */
	id: string;
	/** The public URL's origin (scheme, host and port). */
	origin: string;
}

export function relyingPartyOf(publicUrl: string): RelyingParty {
	const url = new URL(publicUrl);
	return { id: url.hostname, origin: url.origin };
}
