/**
 * A TCP proxy on 127.0.0.1 in front of a server (PostgreSQL, for the fault tests), that can play
 * the two ways a database goes away: `refuse()` as a stopped server does (open connections are
 * reset, new ones refused), `stall()` as a broken network does (nothing more gets through, and
 * nobody is told); `restore()` lets traffic through again.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
	port: number;
	/** A copy of `url` (postgres://…@host:port/…) that goes through the proxy. */
	through(url: string): string;
	refuse(): void;
	stall(): void;
	restore(): void;
	close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
	let mode: 'pass' | 'refuse' | 'stall' = 'pass';
	const pairs = new Set<{ client: Socket; upstream: Socket }>();
	const server: Server = createServer((client) => {
		if (mode === 'refuse') {
			client.resetAndDestroy();
			return;
		}
		const upstream = connect(target.port, target.host);
		const pair = { client, upstream };
		pairs.add(pair);
		const forward = (from: Socket, to: Socket) =>
			from.on('data', (chunk) => {
				// A stalled network loses what is sent; the sockets stay open.
				if (mode === 'pass') to.write(chunk);
			});
		forward(client, upstream);
		forward(upstream, client);
		const end = () => {
			pairs.delete(pair);
			client.destroy();
			upstream.destroy();
		};
		client.on('close', end).on('error', end);
		upstream.on('close', end).on('error', end);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	return {
		port,
		through(url) {
			const proxied = new URL(url);
			proxied.hostname = '127.0.0.1';
			proxied.port = String(port);
			return proxied.toString();
		},
		refuse() {
			mode = 'refuse';
			for (const { client, upstream } of pairs) {
				client.resetAndDestroy();
				upstream.destroy();
			}
			pairs.clear();
		},
		stall() {
			mode = 'stall';
		},
		restore() {
			mode = 'pass';
		},
		async close() {
			for (const { client, upstream } of pairs) {
				client.destroy();
				upstream.destroy();
			}
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};
}
