/**
 * The server-side request forgery guard of Web Push: a push endpoint is a URL a browser gave us,
 * so anyone signed in could name an address inside our network. Endpoints must be https and may
 * not lead to loopback, private, link-local or other non-public addresses — checked on the
 * addresses the name resolves to, at subscribe time (a clear refusal) and again as each push
 * connects (the connection's own lookup, so a name that changes its answer in between cannot slip
 * through). `BECKON_PUSH_ALLOW_PRIVATE=1` lifts the address check and allows plain http, for tests
 * and push services inside a private network.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { invalid } from '../../lib/domain/errors';

const blocked = new BlockList();
for (const [network, prefix] of [
	['0.0.0.0', 8], // "this network"
	['10.0.0.0', 8],
	['100.64.0.0', 10], // carrier-grade NAT
	['127.0.0.0', 8],
	['169.254.0.0', 16], // link-local (cloud metadata services live here)
	['172.16.0.0', 12],
	['192.0.0.0', 24],
	['192.168.0.0', 16],
	['198.18.0.0', 15],
	['224.0.0.0', 4], // multicast
	['240.0.0.0', 4]
] as const) {
	blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
	['::', 128],
	['::1', 128],
	['64:ff9b::', 96], // NAT64: an IPv4 address in disguise
	['fc00::', 7], // unique local
	['fe80::', 10], // link-local
	['ff00::', 8] // multicast
] as const) {
	blocked.addSubnet(network, prefix, 'ipv6');
}

/** Whether `address` (an IP literal) is one a push may be sent to. */
export function isPublicAddress(address: string): boolean {
	const family = isIP(address);
	if (family === 0) return false;
	if (family === 6) {
		// An IPv4 address mapped into IPv6 is judged as the IPv4 address it is.
		const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
		if (mapped) return !blocked.check(mapped[1], 'ipv4');
		return !blocked.check(address, 'ipv6');
	}
	return !blocked.check(address, 'ipv4');
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

function hostOf(url: URL): string {
	// IPv6 literals come bracketed.
	return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Resolves the endpoint's host; refuses it when any address it has is not public. */
export async function checkEndpoint(endpoint: string, options: GuardOptions): Promise<URL> {
	const url = parseEndpoint(endpoint, options);
	if (options.allowPrivate) return url;
	const host = hostOf(url);
	let addresses: LookupAddress[];
	try {
		addresses = isIP(host)
			? [{ address: host, family: isIP(host) }]
			: await new Promise<LookupAddress[]>((resolve, reject) =>
					dnsLookup(host, { all: true }, (error, found) => (error ? reject(error) : resolve(found)))
				);
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
export const publicOnlyLookup: typeof dnsLookup = ((
	hostname: string,
	options: object,
	callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void
) => {
	dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
		if (error) return callback(error, '', 0);
		const refused = addresses.find((a) => !isPublicAddress(a.address));
		if (refused || addresses.length === 0) {
			return callback(new PrivateAddressError(refused?.address ?? hostname), '', 0);
		}
		if ((options as { all?: boolean }).all) return callback(null, addresses);
		callback(null, addresses[0].address, addresses[0].family);
	});
}) as typeof dnsLookup;

/** The literal address of an endpoint whose host is one (no lookup happens for those). */
export function literalAddressOf(url: URL): string | null {
	const host = hostOf(url);
	return isIP(host) ? host : null;
}
