/**
 * The server-side request forgery guard of Web Push: a push endpoint is a URL a browser gave us,
 * so anyone signed in could name an address inside our network. Endpoints must be https and may
 * not lead to loopback, private, link-local or other non-public addresses — checked on the
 * addresses the name resolves to, at subscribe time (a clear refusal) and again as each push
 * connects (the connection's own lookup, so a name that changes its answer in between cannot slip
 * through). `BECKON_PUSH_ALLOW_PRIVATE=1` lifts the address check and allows plain http, for tests
 * and push services inside a private network.
 */
import { isIP, type LookupFunction } from 'node:net';
import { invalid } from '../../lib/domain/errors';
import { guardedLookup, hostOf, isPrivateAddress, resolveAll } from '../address-guard';

/** Whether `address` (an IP literal) is one a push may be sent to. */
export function isPublicAddress(address: string): boolean {
	return !isPrivateAddress(address);
}

export interface GuardOptions {
	allowPrivate: boolean;
}

const NOT_PUBLIC = 'must be a push service on the public internet';

/** The endpoint's URL, or a refusal naming `endpoint` (scheme, credentials). */
export function parseEndpoint(endpoint: string, options: GuardOptions): URL {
	let url: URL;
	try {
		url = new URL(endpoint);
	} catch {
		throw invalid('endpoint', 'must be a URL');
	}
	const schemes = options.allowPrivate ? ['https:', 'http:'] : ['https:'];
	if (!schemes.includes(url.protocol)) throw invalid('endpoint', 'must be an https URL');
	if (url.username || url.password) throw invalid('endpoint', 'must not carry credentials');
	return url;
}

/** Resolves the endpoint's host; refuses it when any address it has is not public. */
export async function checkEndpoint(endpoint: string, options: GuardOptions): Promise<URL> {
	const url = parseEndpoint(endpoint, options);
	if (options.allowPrivate) return url;
	const host = hostOf(url);
	let addresses: Awaited<ReturnType<typeof resolveAll>>;
	try {
		addresses = await resolveAll(host);
	} catch {
		throw invalid('endpoint', 'names a host that does not resolve');
	}
	if (addresses.length === 0 || !addresses.every((a) => isPublicAddress(a.address))) {
		throw invalid('endpoint', NOT_PUBLIC);
	}
	return url;
}

/** Why a connection was refused: not a refusal of the user's, a failure of the push. */
export class PrivateAddressError extends Error {
	constructor(readonly address: string) {
		super(`push endpoint resolves to a non-public address (${address})`);
		this.name = 'PrivateAddressError';
	}
}

/**
 * A `lookup` for http(s).request that refuses non-public answers, so the address checked is the
 * address connected to.
 */
export const publicOnlyLookup: LookupFunction = guardedLookup(
	(_host, address) => new PrivateAddressError(address)
);

/** The literal address of an endpoint whose host is one (no lookup happens for those). */
export function literalAddressOf(url: URL): string | null {
	const host = hostOf(url);
	return isIP(host) ? host : null;
}
