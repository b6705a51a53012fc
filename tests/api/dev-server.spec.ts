/**
 * `vite dev` answers the API as the built server does: the same request listener (security
 * headers, request id, tRPC on the Node front with its JSON fast path), not another route.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/client';
import { TEST_DATABASE_URL } from '../support/database';
import { freePort } from '../reliability/support/built-server';

const ADMIN = { email: 'dev@example.com', password: 'dev server password' };

describe.skipIf(TEST_DATABASE_URL)('the Vite dev server', () => {
	let child: ChildProcess;
	let url: string;
	let dataDir: string;
	let output = '';

	beforeAll(async () => {
		dataDir = mkdtempSync(join(tmpdir(), 'beckon-dev-'));
		const port = await freePort();
		url = `http://127.0.0.1:${port}`;
		child = spawn(
			process.execPath,
			[
				resolve('node_modules/vite/bin/vite.js'),
				'dev',
				'--host',
				'127.0.0.1',
				'--port',
				String(port),
				'--strictPort'
			],
			{
				env: {
					PATH: process.env.PATH ?? '',
					HOME: process.env.HOME ?? '',
					BECKON_DATA_DIR: dataDir,
					BECKON_PUBLIC_URL: url,
					BECKON_ADMIN_EMAIL: ADMIN.email,
					BECKON_ADMIN_PASSWORD: ADMIN.password
				},
				stdio: ['ignore', 'pipe', 'pipe']
			}
		);
		child.stdout?.on('data', (chunk) => (output += chunk));
		child.stderr?.on('data', (chunk) => (output += chunk));
		const deadline = Date.now() + 60_000;
		for (;;) {
			try {
				if ((await fetch(`${url}/api/trpc/auth.me`)).status < 500) break;
			} catch {
				// not listening yet
			}
			if (Date.now() > deadline || child.exitCode !== null) {
				throw new Error(`vite dev did not start:\n${output}`);
			}
			await new Promise((r) => setTimeout(r, 200));
		}
	}, 90_000);

	afterAll(() => {
		child?.kill('SIGKILL');
		if (dataDir) rmSync(dataDir, { recursive: true, force: true });
	});

	it('serves /api/trpc through the built server’s request listener', async () => {
		const api = new ApiClient(url);
		await api.login(ADMIN.email, ADMIN.password);
		const response = await fetch(`${url}/api/trpc/requests.create`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', cookie: api.cookie! },
			body: JSON.stringify({ recipientName: 'From the dev server' })
		});
		expect(response.status).toBe(200);
		// What the built server's listener sets on every API answer.
		expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
		expect(response.headers.get('referrer-policy')).toBe('no-referrer');
		expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
		// The JSON fast path writes the length, not a chunked stream.
		expect(Number(response.headers.get('content-length'))).toBeGreaterThan(0);
		const created = (await response.json()).result.data;
		expect(created.recipientName).toBe('From the dev server');

		const listed = await api.query('requests.list', {});
		expect(listed.items.map((r: { id: string }) => r.id)).toEqual([created.id]);
	});
});
