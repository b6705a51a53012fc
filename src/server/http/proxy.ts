/**
 * Where a request comes from, read as adapter-node reads it, so that `/api/trpc` (served before
 * SvelteKit, see server.ts) and the pages SvelteKit serves agree behind a reverse proxy: the same
 * variables (`ORIGIN`, `PROTOCOL_HEADER`, `HOST_HEADER`, `PORT_HEADER`, `ADDRESS_HEADER`,
 * `XFF_DEPTH`), the same defaults and the same refusals as adapter-node's `handler.js`.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

export interface ProxySettings {
	/** `ORIGIN`: the site's origin, whatever the request's headers say. */
	origin: string | null;
	protocolHeader: string;
	hostHeader: string;
	portHeader: string;
	addressHeader: string;
	xffDepth: number;
}

export function readProxySettings(env: NodeJS.ProcessEnv = process.env): ProxySettings {
	const origin = env.ORIGIN?.trim();
	let parsed: URL | null = null;
	if (origin) {
		try {
			parsed = new URL(origin);
		} catch {
			parsed = null;
		}
		if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
			throw new Error(`Invalid ORIGIN: '${origin}'. It must be a http:// or https:// URL`);
		}
	}
	return {
		origin: parsed?.origin ?? null,
		protocolHeader: (env.PROTOCOL_HEADER ?? '').toLowerCase(),
		hostHeader: (env.HOST_HEADER ?? '').toLowerCase(),
		portHeader: (env.PORT_HEADER ?? '').toLowerCase(),
		addressHeader: (env.ADDRESS_HEADER ?? '').toLowerCase(),
		xffDepth: parseInt(env.XFF_DEPTH ?? '1')
	};
}

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
	if (!name) return undefined;
	const value = headers[name];
	if (!Array.isArray(value)) return value;
	if (value.length <= 1) return value[0];
	throw new Error(`Multiple values provided for ${name} header where only one expected`);
}

/** The origin the request was made to (adapter-node's base of `request.url`). */
export function ownOrigin(settings: ProxySettings, headers: IncomingHttpHeaders): string {
	if (settings.origin) return settings.origin;
	const protocol = decodeURIComponent(single(headers, settings.protocolHeader) || 'https');
	if (protocol.includes(':')) throw new Error(`Invalid protocol header value '${protocol}'`);
	const host = single(headers, settings.hostHeader) || single(headers, 'host');
	if (!host) throw new Error('Could not determine host: the request has no host header');
	const port = single(headers, settings.portHeader);
	if (port && isNaN(+port)) throw new Error(`Invalid port header value '${port}'`);
	return port ? `${protocol}://${host}:${port}` : `${protocol}://${host}`;
}

/** The client's address (adapter-node's `getClientAddress()`); throws when misconfigured. */
export function clientAddressOf(settings: ProxySettings, req: IncomingMessage): string {
	const name = settings.addressHeader;
	if (!name) return req.socket.remoteAddress ?? '';
	if (!(name in req.headers)) {
		throw new Error(`ADDRESS_HEADER is ${name} but the request has no such header`);
	}
	const value = String(req.headers[name] ?? '');
	if (name !== 'x-forwarded-for') return value;
	const addresses = value.split(',');
	if (!(settings.xffDepth >= 1)) throw new Error('XFF_DEPTH must be a positive integer');
	if (settings.xffDepth > addresses.length) {
		throw new Error(
			`XFF_DEPTH is ${settings.xffDepth}, but only found ${addresses.length} addresses`
		);
	}
	return addresses[addresses.length - settings.xffDepth].trim();
}
