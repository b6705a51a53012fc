/**
 * A real Beckon API over HTTP on 127.0.0.1 at a random port, on a fresh SQLite file in a
 * temporary folder: the same handler the SvelteKit route serves.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBeckon, type Beckon, type Clock } from '../../src/server/app';
import { loadConfig } from '../../src/server/config';
import { handleTrpc } from '../../src/server/trpc/handler';
import { createUser } from '../../src/server/services/users';
import type { Permission, Role } from '../../src/lib/domain/types';

export interface TestServer {
	url: string;
	app: Beckon;
	close(): Promise<void>;
}

async function toRequest(
	req: IncomingMessage,
	base: string,
	signal: AbortSignal
): Promise<Request> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
	const headers = new Headers();
	for (const [key, value] of Object.entries(req.headers)) {
		if (typeof value === 'string') headers.set(key, value);
		else if (Array.isArray(value)) for (const v of value) headers.append(key, v);
	}
	return new Request(new URL(req.url ?? '/', base), {
		method: req.method,
		headers,
		body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
		// As adapter-node does: a client that hangs up ends its live streams.
		signal
	});
}

export async function startTestServer(
	options: {
		clock?: Clock;
		env?: Record<string, string>;
		/** Reuse this data folder (a restart), and leave it in place on close. */
		dataDir?: string;
	} = {}
): Promise<TestServer> {
	const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'beckon-test-'));
	const config = loadConfig({
		BECKON_DATA_DIR: dataDir,
		PORT: '0',
		BECKON_PUBLIC_URL: 'http://127.0.0.1:1',
		...options.env
	});
	const app = createBeckon(config, { clock: options.clock });
	const server = createServer(async (req, res) => {
		try {
			const base = `http://${req.headers.host}`;
			const hangUp = new AbortController();
			res.once('close', () => hangUp.abort());
			const response = await handleTrpc(
				app,
				await toRequest(req, base, hangUp.signal),
				req.socket.remoteAddress ?? ''
			);
			const headers: Record<string, string | string[]> = Object.fromEntries(response.headers);
			const cookies = response.headers.getSetCookie();
			if (cookies.length > 0) headers['set-cookie'] = cookies;
			res.writeHead(response.status, headers);
			if (response.body) {
				for await (const chunk of response.body) res.write(chunk);
			}
			res.end();
		} catch (error) {
			console.error(error);
			if (!res.headersSent) res.writeHead(500);
			res.end();
		}
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		app,
		async close() {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
			app.close();
			if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
		}
	};
}

let userCounter = 0;

export async function makeUser(
	app: Beckon,
	role: Role,
	permission: Permission,
	password = 'correct horse battery'
) {
	userCounter += 1;
	const user = await createUser(app, {
		email: `${role}-${permission}-${userCounter}@example.com`,
		name: `${role} ${permission} ${userCounter}`,
		password,
		role,
		permission
	});
	return { ...user, password };
}
