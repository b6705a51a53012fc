/**
 * The built server as an operator runs it, `node bin/beckon.js serve`, in a child process on a
 * free port of 127.0.0.1 with the given data folder (the build is made before vitest starts: see
 * tests/global-setup.ts). It can be killed without warning and started again on the same folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { ApiClient } from '../../support/client';

const BIN = resolve('bin/beckon.js');

export function freePort(): Promise<number> {
	return new Promise((done, fail) => {
		const probe = createServer();
		probe.once('error', fail);
		probe.listen(0, '127.0.0.1', () => {
			const { port } = probe.address() as { port: number };
			probe.close(() => done(port));
		});
	});
}

export interface BuiltServer {
	url: string;
	port: number;
	child: ChildProcess;
	/** Everything the process wrote to stdout and stderr so far. */
	output(): string;
	/** SIGKILL: no shutdown handler runs, in-flight requests are cut. */
	kill(): Promise<void>;
	/** SIGTERM: the graceful shutdown. */
	stop(): Promise<number | null>;
}

export async function startBuiltServer(options: {
	dataDir: string;
	port?: number;
	env?: Record<string, string>;
}): Promise<BuiltServer> {
	const port = options.port ?? (await freePort());
	const url = `http://127.0.0.1:${port}`;
	const child = spawn(process.execPath, [BIN, 'serve'], {
		env: {
			PATH: process.env.PATH ?? '',
			HOME: process.env.HOME ?? '',
			BECKON_NO_AUTOBUILD: '1',
			BECKON_DATA_DIR: options.dataDir,
			HOST: '127.0.0.1',
			PORT: String(port),
			...options.env
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	child.stdout?.on('data', (chunk) => (output += chunk));
	child.stderr?.on('data', (chunk) => (output += chunk));
	const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
	const gone = () => child.exitCode !== null || child.signalCode !== null;

	for (let i = 0; ; i++) {
		if (gone()) throw new Error(`the server exited at start:\n${output}`);
		try {
			const response = await fetch(`${url}/readyz`);
			if (response.ok) break;
		} catch {
			// not listening yet
		}
		if (i > 300) {
			child.kill('SIGKILL');
			throw new Error(`the server did not become ready:\n${output}`);
		}
		await new Promise((r) => setTimeout(r, 25));
	}
	return {
		url,
		port,
		child,
		output: () => output,
		async kill() {
			if (!gone()) child.kill('SIGKILL');
			await exited;
		},
		async stop() {
			if (!gone()) child.kill('SIGTERM');
			return exited;
		}
	};
}

/** The admin the built servers of these tests create at their first start, from the environment. */
export const BUILT_ADMIN = {
	email: 'admin@reliability.example.com',
	password: 'reliability admin pw'
};
export const BUILT_ADMIN_ENV = {
	BECKON_ADMIN_EMAIL: BUILT_ADMIN.email,
	BECKON_ADMIN_PASSWORD: BUILT_ADMIN.password
};

/** A built server on a new data folder, with its admin signed in. */
export async function startWithAdmin(options: {
	dataDir: string;
	port?: number;
	env?: Record<string, string>;
}): Promise<{ server: BuiltServer; admin: ApiClient }> {
	const server = await startBuiltServer({
		...options,
		env: { ...BUILT_ADMIN_ENV, ...options.env }
	});
	const admin = new ApiClient(server.url);
	await admin.login(BUILT_ADMIN.email, BUILT_ADMIN.password);
	return { server, admin };
}
