/**
 * Beckon for benchmarks: in this process on a fresh data folder (services called directly), or
 * as the real built server, `node bin/beckon.js serve`, on a random port of 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBeckon, type Beckon } from '../../src/server/app';
import { loadConfig } from '../../src/server/config';
import { randomBytes } from 'node:crypto';
import { sessions } from '../../src/server/db/schema';
import { SESSION_COOKIE, sha256 } from '../../src/server/services/auth';
import { createUser } from '../../src/server/services/users';
import type { AuthUser } from '../../src/server/services/users';
import { loadAuthUser } from '../../src/server/services/users';
import type { Permission, Role } from '../../src/lib/domain/types';
import { insertRequests, sampleRow } from './data';

export const PASSWORD = 'bench-password-1';

export function makeDataDir(): string {
	return mkdtempSync(join(tmpdir(), 'beckon-bench-'));
}

export function openBeckon(dataDir: string): Beckon {
	return createBeckon(
		loadConfig({ BECKON_DATA_DIR: dataDir, PORT: '1', BECKON_PUBLIC_URL: 'http://127.0.0.1:1' })
	);
}

export async function addUser(
	app: Beckon,
	email: string,
	role: Role = 'agent',
	permission: Permission = 'edit'
): Promise<AuthUser> {
	const user = await createUser(app, {
		email,
		name: email.split('@')[0],
		password: PASSWORD,
		role,
		permission
	});
	return loadAuthUser(app, user.id) as AuthUser;
}

/**
 * A fresh data folder with one agent (agent@bench.test, the bench password) and `count` requests
 * of theirs with their events, for the benchmarks that open the agent app in a browser. The
 * caller closes `app` before starting a server on `dataDir`.
 */
export async function seedAgentApp(count = 50) {
	const dataDir = makeDataDir();
	const app = openBeckon(dataDir);
	const agent = await addUser(app, 'agent@bench.test');
	insertRequests(app.sqlite, count, (i) => sampleRow(i, { createdBy: agent.id }), { events: true });
	return { dataDir, app, agent };
}

/**
 * A session cookie written straight into the database: sign-in is rate-limited per address (as it
 * should be), and a benchmark needs more sessions than that from 127.0.0.1.
 */
export function addSession(app: Beckon, userId: string): string {
	const token = randomBytes(32).toString('base64url');
	const now = Date.now();
	app.db
		.insert(sessions)
		.values({ id: sha256(token), userId, createdAt: now, expiresAt: now + 86_400_000 })
		.run();
	return `${SESSION_COOKIE}=${token}`;
}

export async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	await new Promise((resolve) => server.close(resolve));
	return port;
}

export interface RunningServer {
	url: string;
	pid: number;
	/** Resident and peak resident memory of the server process, from /proc. */
	memory(): { rssMb: number; peakMb: number };
	stop(): Promise<void>;
}

/** Polls `url` until it answers 200, or fails after `timeoutMs`. */
async function waitUntilReady(url: string, child: ChildProcess, timeoutMs = 120_000) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
		try {
			if ((await fetch(url)).ok) return;
		} catch {
			// not listening yet
		}
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	throw new Error(`server not ready at ${url} after ${timeoutMs} ms`);
}

export function procMemory(pid: number) {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	const kb = (key: string) =>
		Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
	return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/**
 * Starts a child process serving on 127.0.0.1:`port` and waits for `readyPath`; `cleanup` runs
 * after it has stopped.
 */
export async function startProcess(
	args: string[],
	options: { port: number; env?: Record<string, string>; readyPath: string; cleanup?: () => void }
): Promise<RunningServer> {
	const url = `http://127.0.0.1:${options.port}`;
	// BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=…" profiles the server of a case.
	const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
	const child = spawn(process.execPath, [...nodeArgs, ...args], {
		env: { ...process.env, NODE_ENV: 'production', ...options.env },
		// BENCH_SERVER_LOG=<file> keeps the server's request log there, for looking into a case.
		stdio: [
			'ignore',
			process.env.BENCH_SERVER_LOG ? openSync(process.env.BENCH_SERVER_LOG, 'a') : 'ignore',
			'inherit'
		]
	});
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	const kill = async () => {
		if (child.exitCode === null && child.signalCode === null) {
			child.kill('SIGTERM');
			const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
			await exited;
			clearTimeout(timer);
		}
	};
	const stop = async () => {
		await kill();
		options.cleanup?.();
	};
	try {
		await waitUntilReady(url + options.readyPath, child);
	} catch (error) {
		// The caller may try again on the same data: it cleans up when it gives up.
		await kill();
		throw error;
	}
	return { url, pid: child.pid as number, memory: () => procMemory(child.pid as number), stop };
}

/** The real server (`node bin/beckon.js serve`) on a data folder prepared by the caller. */
export async function startBuiltServer(
	dataDir: string,
	options: { removeDataDir?: boolean; env?: Record<string, string> } = {}
): Promise<RunningServer> {
	try {
		return await startServerOnce(dataDir, options);
	} catch (error) {
		// bin/beckon.js rebuilds when the sources are newer than the build: in a working copy
		// being edited, a start can meet another build half-written. Once more, after it.
		console.error(`server start failed (${(error as Error).message}); retrying once`);
		await new Promise((resolve) => setTimeout(resolve, 20_000));
		try {
			return await startServerOnce(dataDir, options);
		} catch (again) {
			if (options.removeDataDir !== false) rmSync(dataDir, { recursive: true, force: true });
			throw again;
		}
	}
}

async function startServerOnce(
	dataDir: string,
	options: { removeDataDir?: boolean; env?: Record<string, string> }
): Promise<RunningServer> {
	const port = await freePort();
	return startProcess(['bin/beckon.js', 'serve'], {
		port,
		readyPath: '/readyz',
		env: {
			PORT: String(port),
			HOST: '127.0.0.1',
			BECKON_DATA_DIR: dataDir,
			BECKON_PUBLIC_URL: `http://127.0.0.1:${port}`,
			...options.env
		},
		cleanup: () => {
			if (options.removeDataDir !== false) rmSync(dataDir, { recursive: true, force: true });
		}
	});
}
