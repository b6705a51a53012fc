/**
 * The built server's HTTP front: `/api/trpc` is answered by tRPC's Node adapter
 * (trpc/node-handler.ts), `/export/requests.csv` by http/export.ts, `/export/report-*.csv` by
 * http/report-export.ts, `/auth/oidc/*` by http/oidc.ts, everything else by adapter-node's SvelteKit handler (static files, the
 * prerendered agent app, pages). It takes the place of adapter-node's own `build/index.js` and
 * keeps what that did: its timeouts, and the graceful shutdown that stops accepting connections,
 * lets open requests finish (live streams are ended by the change bus) and then emits
 * `sveltekit:shutdown`, on which the runtime stops its jobs and closes the database.
 */
import {
	createServer,
	type IncomingMessage,
	type RequestListener,
	type Server,
	type ServerResponse
} from 'node:http';
import type { Beckon } from '../app';
import { API_CACHE_CONTROL, BASELINE_CSP, securityHeadersFor } from '../security-headers';
import { isTrpcTarget, serveTrpc } from '../trpc/node-handler';
import { isExportTarget, serveExport } from './export';
import { isOidcTarget, serveOidc } from './oidc';
import { isReportExportTarget, serveReportExport } from './report-export';
import { readProxySettings, type ProxySettings } from './proxy';
import { log } from '../log';

/** adapter-node's `handler` (build/handler.js): a Connect-style middleware. */
export type SvelteKitHandler = (
	req: IncomingMessage,
	res: ServerResponse,
	next: () => void
) => void;

function notFound(res: ServerResponse) {
	res.statusCode = 404;
	res.end('Not Found');
}

export function beckonRequestListener(
	app: Beckon,
	options: { svelteKit?: SvelteKitHandler; proxy?: ProxySettings } = {}
): RequestListener {
	const proxy = options.proxy ?? readProxySettings();
	const svelteKit = options.svelteKit;
	const securityHeaders = Object.entries(securityHeadersFor(app.config.publicUrl));
	return (req, res) => {
		// Every response, static files included; a page SvelteKit renders replaces the CSP with its
		// own full policy.
		for (const [name, value] of securityHeaders) res.setHeader(name, value);
		res.setHeader('Content-Security-Policy', BASELINE_CSP);
		if (isTrpcTarget(req.url ?? '')) {
			res.setHeader('Cache-Control', API_CACHE_CONTROL);
			void serveTrpc(app, req, res, proxy);
		} else if (isExportTarget(req.url ?? '')) {
			serveExport(app, req, res, proxy).catch((error: unknown) => {
				log.error({ err: error }, 'CSV export failed');
				if (!res.headersSent) res.statusCode = 500;
				res.end();
			});
		} else if (isOidcTarget(req.url ?? '')) {
			void serveOidc(app, req, res, proxy);
		} else if (isReportExportTarget(req.url ?? '')) {
			void serveReportExport(app, req, res, proxy);
		} else if (svelteKit) svelteKit(req, res, () => notFound(res));
		else notFound(res);
	};
}

/** A duration variable in seconds, as adapter-node reads it. */
function seconds(env: NodeJS.ProcessEnv, name: string): number | undefined {
	const value = env[name];
	if (value === undefined || value === '') return undefined;
	const parsed = parseInt(value, 10);
	if (Number.isNaN(parsed)) throw new Error(`${name} must be a number of seconds, not '${value}'`);
	return parsed;
}

export async function listen(
	app: Beckon,
	options: {
		host: string;
		port: number;
		svelteKit: SvelteKitHandler;
		env?: NodeJS.ProcessEnv;
	}
): Promise<Server> {
	const env = options.env ?? process.env;
	const server = createServer(
		beckonRequestListener(app, { svelteKit: options.svelteKit, proxy: readProxySettings(env) })
	);
	const keepAlive = seconds(env, 'KEEP_ALIVE_TIMEOUT');
	if (keepAlive !== undefined) server.keepAliveTimeout = keepAlive * 1000;
	const headers = seconds(env, 'HEADERS_TIMEOUT');
	if (headers !== undefined) server.headersTimeout = headers * 1000;
	const shutdownSeconds = seconds(env, 'SHUTDOWN_TIMEOUT') ?? 30;

	let forceClose: NodeJS.Timeout | undefined;
	server.on('request', (req: IncomingMessage) => {
		// While shutting down, a keep-alive connection closes as soon as its request is answered.
		req.once('close', () => {
			if (forceClose) server.closeIdleConnections();
		});
	});
	const shutdown = (reason: 'SIGINT' | 'SIGTERM') => {
		if (forceClose) return;
		forceClose = setTimeout(() => server.closeAllConnections(), shutdownSeconds * 1000);
		// Keep-alive connections with no request in flight would hold close() until they time out.
		server.closeIdleConnections();
		server.close((error) => {
			if (error) return;
			clearTimeout(forceClose);
			process.emit('sveltekit:shutdown' as 'exit', reason as never);
		});
	};
	process.on('SIGTERM', shutdown);
	process.on('SIGINT', shutdown);

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port, options.host, () => {
			server.off('error', reject);
			resolve();
		});
	});
	return server;
}
