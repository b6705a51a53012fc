/**
 * The single executable as a self-hoster uses it: copied alone into an empty folder, run with no
 * Node on PATH, it creates the admin from the environment and serves app, API and link pages —
 * on SQLite, or on PostgreSQL in the run of the tests on PostgreSQL (BECKON_TEST_DATABASE_URL).
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/client';
import { testDatabaseEnv } from '../support/database';

function freePort(): Promise<number> {
	return new Promise((done) => {
		const probe = createServer().listen(0, '127.0.0.1', () => {
			const { port } = probe.address() as { port: number };
			probe.close(() => done(port));
		});
	});
}

describe('single executable', () => {
	let dir: string;
	let env: Record<string, string>;

	beforeAll(() => {
		// Packs the build made by the global setup (or `npm test`'s build stage).
		const result = spawnSync('node', ['sea/build.mjs'], {
			stdio: 'inherit',
			env: { ...process.env, BECKON_SKIP_BUILD: '1' }
		});
		expect(result.status).toBe(0);
		dir = mkdtempSync(join(tmpdir(), 'beckon-binary-'));
		copyFileSync(resolve('dist/beckon'), join(dir, 'beckon'));
		// No Node anywhere on PATH: the binary must carry everything it needs.
		const emptyBin = join(dir, 'bin');
		spawnSync('mkdir', [emptyBin]);
		env = { PATH: emptyBin, HOME: dir, BECKON_DATA_DIR: join(dir, 'data') };
	}, 600_000);
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	it('is one file under 120 MB that knows its version', () => {
		expect(statSync(join(dir, 'beckon')).size).toBeLessThan(120 * 1024 * 1024);
		const version = spawnSync(join(dir, 'beckon'), ['--version'], {
			env,
			encoding: 'utf8',
			cwd: dir
		});
		expect(version.status).toBe(0);
		expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
	});

	it('serves the app, creates the admin and opens a session link', async () => {
		const port = await freePort();
		const database = testDatabaseEnv(dir);
		const url = `http://127.0.0.1:${port}`;
		const server = spawn(join(dir, 'beckon'), ['serve'], {
			cwd: dir,
			env: {
				...env,
				...database,
				PORT: String(port),
				BECKON_ADMIN_EMAIL: 'owner@example.com',
				BECKON_ADMIN_PASSWORD: 'binary smoke test'
			},
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let output = '';
		server.stdout?.on('data', (c) => (output += c));
		server.stderr?.on('data', (c) => (output += c));
		try {
			const started = Date.now();
			for (;;) {
				if (server.exitCode !== null) throw new Error(`exited: ${output}`);
				const ready = await fetch(`${url}/readyz`).catch(() => null);
				if (ready?.ok) break;
				if (Date.now() - started > 20_000) throw new Error(`not ready: ${output}`);
				await new Promise((r) => setTimeout(r, 50));
			}
			expect(output).toContain('Created the admin owner@example.com');

			const page = await fetch(`${url}/`);
			expect(page.status).toBe(200);
			expect(await page.text()).toContain('<div style="display: contents">');
			expect((await fetch(`${url}/service-worker.js`)).status).toBe(200);

			const api = new ApiClient(url);
			await api.login('owner@example.com', 'binary smoke test');
			const request = await api.mutate('requests.create', { recipientName: 'Smoke Test' });
			const token = new URL(request.link).pathname.split('/').at(-1);
			const view = await api.query('link.get', { token });
			expect(view.recipientName).toBe('Smoke Test');
			expect((await fetch(request.link)).status).toBe(200);
		} finally {
			server.kill('SIGTERM');
		}
		expect(await new Promise((done) => server.once('exit', done))).toBe(0);
	}, 60_000);
});
