/**
 * Server-side request forgery guard for webhook targets: an admin's URL must not make the server
 * call itself, its network or a cloud metadata service (the rule: ../address-guard.ts). Checked
 * at create and at every delivery, where the connection is made to the very address that was
 * checked. BECKON_WEBHOOK_ALLOW_PRIVATE=1 lifts it.
 */
import type { LookupFunction } from 'node:net';
import {
	guardedLookup as lookupRefusing,
	hostOf,
	isPrivateAddress,
	resolveAll
} from '../address-guard';

export { hostOf, isPrivateAddress };

export class TargetRefused extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'TargetRefused';
	}
}

function refusalFor(host: string, address: string) {
	return new TargetRefused(
		`${host} resolves to ${address}, a loopback, private, link-local or metadata address (set BECKON_WEBHOOK_ALLOW_PRIVATE=1 to allow it)`
	);
}

/**
 * Checks a webhook URL's target now: every address its host resolves to must be public (unless
 * `allowPrivate`). Throws TargetRefused, or the resolver's error for a name that does not resolve.
 */
export async function checkTarget(url: URL, allowPrivate: boolean): Promise<void> {
	const host = hostOf(url);
	const addresses = await resolveAll(host);
	if (addresses.length === 0) throw new TargetRefused(`${host} does not resolve`);
	if (allowPrivate) return;
	const refused = addresses.find((a) => isPrivateAddress(a.address));
	if (refused) throw refusalFor(host, refused.address);
}

/** The connection's lookup: refuses a private address unless `allowPrivate`. */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
	return lookupRefusing(allowPrivate ? null : refusalFor);
}
