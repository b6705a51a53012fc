/**
 * A real Beckon API over HTTP on 127.0.0.1 at a random port, on a fresh SQLite file in a
 * temporary folder: the request listener of the built server (security headers, `/api/trpc` on
 * tRPC's Node adapter), without the SvelteKit pages.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBeckon, type Beckon, type Clock } from '../../src/server/app';
import { loadConfig } from '../../src/server/config';
import { beckonRequestListener } from '../../src/server/http/server';
import { readProxySettings } from '../../src/server/http/proxy';
import { createUser } from '../../src/server/services/users';
import { ApiClient } from './client';
import { testDatabaseEnv } from './database';
import type { Permission, Role } from '../../src/lib/domain/types';

export interface TestServer {
	url: string;
	app: Beckon;
	close(): Promise<void>;
}

export async function startTestServer(
	options: {
		clock?: Clock;
		env?: Record<string, string>;
		/** Reuse this data folder (a restart), and leave it in place on close. */
		dataDir?: string;
		/** The server's own URL as its public URL (links and redirects that must come back). */
		ownPublicUrl?: boolean;
	} = {}
): Promise<TestServer> {
	const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'beckon-test-'));
	let listener: RequestListener = (_req, res) => res.writeHead(503).end();
	const server = createServer((req, res) => listener(req, res));
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	const url = `http://127.0.0.1:${port}`;
	const config = loadConfig({
		...testDatabaseEnv(dataDir),
		BECKON_DATA_DIR: dataDir,
		PORT: '0',
		BECKON_PUBLIC_URL: options.ownPublicUrl ? url : 'http://127.0.0.1:1',
		...options.env
	});
	const app = createBeckon(config, { clock: options.clock });
	await app.relay?.ready;
	// The server's own origin is the URL the tests call (as ORIGIN sets it behind a proxy);
	// adapter-node's other proxy variables come from the test's env, not from this process's.
	const proxy = readProxySettings({ ORIGIN: url, ...options.env });
	listener = beckonRequestListener(app, { proxy });
	return {
		url,
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

/** A client of `server` signed in as `user` (with its password). */
export async function signIn(
	server: { url: string },
	user: { email: string; password: string }
): Promise<ApiClient> {
	const client = new ApiClient(server.url);
	await client.login(user.email, user.password);
	return client;
}
