/**
 * The server-side request forgery rule, one for every URL a user hands the server to call (webhook
 * targets, Web Push endpoints): no loopback, private, link-local (cloud metadata) or other
 * non-public address, judged on every address a name resolves to, and at connection time on the
 * very address connected to (`guardedLookup`), so a name that resolves elsewhere the second time
 * (DNS rebinding) gains nothing.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

const blocked = new BlockList();
// IPv4: "this network", private, carrier-grade NAT, loopback, link-local (and with it the
// 169.254.169.254 metadata service), IETF protocol assignments, benchmarking, multicast,
// reserved and broadcast.
for (const [network, prefix] of [
	['0.0.0.0', 8],
	['10.0.0.0', 8],
	['100.64.0.0', 10],
	['127.0.0.0', 8],
	['169.254.0.0', 16],
	['172.16.0.0', 12],
	['192.0.0.0', 24],
	['192.168.0.0', 16],
	['198.18.0.0', 15],
	['224.0.0.0', 4],
	['240.0.0.0', 4]
] as const) {
	blocked.addSubnet(network, prefix, 'ipv4');
}
// IPv6: unspecified, loopback, unique local (fd00:ec2::254 is a metadata address), link-local,
// site-local, multicast. Addresses embedding an IPv4 one are judged by it (below).
blocked.addAddress('::', 'ipv6');
blocked.addAddress('::1', 'ipv6');
for (const [network, prefix] of [
	['fc00::', 7],
	['fe80::', 10],
	['fec0::', 10],
	['ff00::', 8]
] as const) {
	blocked.addSubnet(network, prefix, 'ipv6');
}

/** The 32 bits of an IPv6 address's groups `at` and `at + 1` as a dotted IPv4 address. */
function ipv4Within(groups: number[], at: number): string {
	const high = groups[at];
	const low = groups[at + 1];
	return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** An IPv6 address's eight 16-bit groups (with an embedded dotted IPv4 tail read as two). */
function groupsOf(address: string): number[] {
	let text = address.toLowerCase().split('%')[0];
	const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
	if (dotted) {
		const [a, b, c, d] = dotted[1].split('.').map(Number);
		text =
			text.slice(0, -dotted[1].length) +
			`${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
	}
	const [head, tail] = text.split('::');
	const parse = (part: string | undefined) =>
		part ? part.split(':').map((g) => parseInt(g, 16)) : [];
	const front = parse(head);
	const back = parse(tail);
	const zeros = tail === undefined ? [] : Array(8 - front.length - back.length).fill(0);
	return [...front, ...zeros, ...back];
}

/**
 * Whether `address` (an IP literal) is one the server must not be made to call. IPv6 forms that carry an
 * IPv4 address (mapped `::ffff:a.b.c.d`, compatible, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`)
 * are judged by that address.
 */
export function isPrivateAddress(address: string): boolean {
	const family = isIP(address);
	if (family === 4) return blocked.check(address, 'ipv4');
	if (family !== 6) return true;
	if (blocked.check(address, 'ipv6')) return true;
	const g = groupsOf(address);
	const zero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
	if (zero(0, 5) && (g[5] === 0xffff || g[5] === 0) && !(g[6] === 0 && g[7] <= 1)) {
		return blocked.check(ipv4Within(g, 6), 'ipv4');
	}
	if (g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6))
		return blocked.check(ipv4Within(g, 6), 'ipv4');
	if (g[0] === 0x2002) return blocked.check(ipv4Within(g, 1), 'ipv4');
	return false;
}

/** The host of a URL as DNS and `isIP` take it (IPv6 literals without their brackets). */
export function hostOf(url: URL): string {
	return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Resolves `host` (every address), as the connection would. */
export function resolveAll(host: string): Promise<LookupAddress[]> {
	if (isIP(host)) return Promise.resolve([{ address: host, family: isIP(host) }]);
	return new Promise((resolve, reject) =>
		dnsLookup(host, { all: true }, (error, addresses) =>
			error ? reject(error) : resolve(addresses)
		)
	);
}

/**
 * A `lookup` for http(s).request that resolves like the default one and refuses the connection
 * with `refusal(host, address)` when any address is private (none given: every address is
 * allowed). An IP literal in the URL is not looked up by Node: callers check it before.
 */
export function guardedLookup(
	refusal: ((host: string, address: string) => Error) | null
): LookupFunction {
	return (hostname, options, callback) => {
		dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
			if (error) return callback(error, '', 0);
			const list = addresses as LookupAddress[];
			const refused = refusal && list.find((a) => isPrivateAddress(a.address));
			if (refusal && refused) return callback(refusal(hostname, refused.address), '', 0);
			if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, list);
			const [first] = list;
			if (!first) return callback(new Error(`${hostname} does not resolve`), '', 0);
			callback(null, first.address, first.family);
		});
	};
}
