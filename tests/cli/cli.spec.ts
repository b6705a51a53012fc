/**
 * The `beckon` command as an operator uses it: the built CLI and server in child processes, on a
 * temporary data folder and a free port on 127.0.0.1.
 */
import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, expectApiError } from '../support/client';

const BIN = resolve('bin/beckon.js');

function freePort(): Promise<number> {
	return new Promise((done) => {
		const probe = createServer().listen(0, '127.0.0.1', () => {
			const { port } = probe.address() as { port: number };
			probe.close(() => done(port));
		});
	});
}

function beckon(args: string[], env: Record<string, string>) {
	return spawnSync('node', [BIN, ...args], {
		env: { ...process.env, BECKON_NO_AUTOBUILD: '1', ...env },
		encoding: 'utf8',
		timeout: 60_000
	});
}

async function waitForServer(url: string, child: ChildProcess) {
	for (let i = 0; i < 100; i++) {
		if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
		try {
			await fetch(`${url}/api/trpc/auth.me`);
			return;
		} catch {
			await new Promise((r) => setTimeout(r, 100));
		}
	}
	throw new Error('server did not start');
}

describe('beckon CLI', () => {
	let dataDir: string;
	let env: Record<string, string>;

	beforeAll(() => {
		dataDir = mkdtempSync(join(tmpdir(), 'beckon-cli-'));
		env = { BECKON_DATA_DIR: dataDir };
	}, 120_000);
	afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

	it('prints its version and help', () => {
		const version = beckon(['--version'], env);
		expect(version.status).toBe(0);
		expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
		const help = beckon(['--help'], env);
		expect(help.stdout).toContain('user create --email');
		expect(help.stdout).toContain('user reset-two-factor --email');
		expect(help.stdout).toContain('sso disable');
		expect(help.stdout).toContain('backup FILE');
	});

	it('stops on invalid configuration with one line naming the variable', () => {
		const result = beckon(['migrate'], { ...env, BECKON_DEFAULT_EXPIRY: 'soon' });
		expect(result.status).toBe(1);
		const lines = result.stderr.trim().split('\n');
		expect(lines).toHaveLength(1);
		expect(lines[0]).toContain('BECKON_DEFAULT_EXPIRY');
	});

	it('says in one line, without echoing it, what is wrong with DATABASE_URL', () => {
		const secret = 'hunter2-secret';
		const notPostgres = beckon(['migrate'], { ...env, DATABASE_URL: `mysql://u:${secret}@h/db` });
		expect(notPostgres.status).toBe(1);
		expect(notPostgres.stderr.trim().split('\n')).toHaveLength(1);
		expect(notPostgres.stderr).toContain('DATABASE_URL must be a PostgreSQL URL');
		expect(notPostgres.stderr).not.toContain(secret);

		// Nothing listens on port 1: the start stops with the reason, not a stack trace.
		const unreachable = beckon(['migrate'], {
			...env,
			DATABASE_URL: `postgres://u:${secret}@127.0.0.1:1/db`
		});
		expect(unreachable.status).toBe(1);
		expect(unreachable.stderr.trim().split('\n')).toHaveLength(1);
		expect(unreachable.stderr).toContain('Cannot use the PostgreSQL database at DATABASE_URL');
		expect(unreachable.stderr).not.toContain(secret);

		const backup = beckon(['backup', join(dataDir, 'copy.db')], {
			...env,
			DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db'
		});
		expect(backup.status).toBe(1);
		expect(backup.stderr).toContain('pg_dump');
	});

	it('rejects an unknown command and bad user input clearly', () => {
		const unknown = beckon(['frobnicate'], env);
		expect(unknown.status).toBe(1);
		expect(unknown.stderr).toContain("unknown command 'frobnicate'");
		const badEmail = beckon(
			['user', 'create', '--email', 'nope', '--name', 'X', '--password', 'long enough'],
			env
		);
		expect(badEmail.status).toBe(1);
		expect(badEmail.stderr).toContain('email');
	});

	it('migrates, creates a user, serves, backs up and shuts down on SIGTERM', async () => {
		expect(beckon(['migrate'], env).status).toBe(0);
		expect(existsSync(join(dataDir, 'beckon.db'))).toBe(true);

		const created = beckon(
			[
				'user',
				'create',
				'--email',
				'Lead@Example.com',
				'--name',
				'Team Lead',
				'--password',
				'a long password',
				'--role',
				'admin',
				'--permission',
				'edit'
			],
			env
		);
		expect(created.stderr).toBe('');
		expect(created.stdout).toContain('Created admin lead@example.com');

		// A lost phone: the second factor goes, recorded, and the password signs in again.
		const db = new Database(join(dataDir, 'beckon.db'));
		const { id } = db.prepare("select id from users where email = 'lead@example.com'").get() as {
			id: string;
		};
		db.prepare(
			"insert into second_factors (user_id, secret, confirmed_at, last_step, created_at) values (?, 'v1.x.y.z', 1, 1, 1)"
		).run(id);
		db.prepare("insert into recovery_codes (user_id, code_hash) values (?, 'h')").run(id);
		const reset = beckon(['user', 'reset-two-factor', '--email', 'LEAD@example.com'], env);
		expect(reset.stderr).toBe('');
		expect(reset.stdout).toContain('Two-step sign-in of lead@example.com was reset');
		expect(db.prepare('select count(*) n from second_factors').get()).toEqual({ n: 0 });
		expect(db.prepare('select count(*) n from recovery_codes').get()).toEqual({ n: 0 });
		expect(db.prepare('select type, actor from account_events where user_id = ?').all(id)).toEqual([
			{ type: 'two_factor_reset', actor: 'cli' }
		]);
		db.close();
		const nobody = beckon(['user', 'reset-two-factor', '--email', 'nobody@example.com'], env);
		expect(nobody.status).toBe(1);
		expect(nobody.stderr).toContain('No user with email nobody@example.com');

		// SSO only, the provider down and the break-glass admin away: the shell turns it off.
		const sso = new Database(join(dataDir, 'beckon.db'));
		sso
			.prepare("insert into settings (key, value) values ('sso', ?)")
			.run(JSON.stringify({ enabled: true, issuerUrl: 'https://id.example.com', ssoOnly: true }));
		sso.close();
		const off = beckon(['sso', 'disable'], env);
		expect(off.stderr).toBe('');
		expect(off.stdout).toContain('Single sign-on is off');
		const check = new Database(join(dataDir, 'beckon.db'));
		const stored = check.prepare("select value from settings where key = 'sso'").get() as {
			value: string;
		};
		check.close();
		expect(JSON.parse(stored.value)).toMatchObject({
			enabled: false,
			ssoOnly: false,
			issuerUrl: 'https://id.example.com'
		});

		const port = await freePort();
		const url = `http://127.0.0.1:${port}`;
		const server = spawn('node', [BIN, 'serve'], {
			env: { ...process.env, BECKON_NO_AUTOBUILD: '1', ...env, PORT: String(port) },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let output = '';
		server.stdout?.on('data', (chunk) => (output += chunk));
		server.stderr?.on('data', (chunk) => (output += chunk));
		try {
			await waitForServer(url, server);
			expect(output).toContain(`Beckon is running at ${url}`);

			const api = new ApiClient(url);
			await api.login('lead@example.com', 'a long password');
			const request = await api.mutate('requests.create', { recipientName: 'Grace' });
			expect(request.link.startsWith(`${url}/s/`)).toBe(true);
			await expectApiError(api.query('link.get', { token: 'x'.repeat(54) }), 'NOT_FOUND');

			const backupFile = join(dataDir, 'backup.db');
			const backup = beckon(['backup', backupFile], env);
			expect(backup.status).toBe(0);
			const copy = new Database(backupFile, { readonly: true });
			expect(copy.prepare('select count(*) n from session_requests').get()).toEqual({ n: 1 });
			expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
			copy.close();
			expect(beckon(['backup', backupFile], env).stderr).toContain('already exists');
			// A folder that is not there is named, and nothing is left behind anywhere.
			const nowhere = beckon(['backup', join(dataDir, 'missing', 'b.db')], env);
			expect(nowhere.status).toBe(1);
			expect(nowhere.stderr).toContain(`${join(dataDir, 'missing')} does not exist`);
			expect(readdirSync(dataDir).filter((f) => f.includes('.partial-'))).toEqual([]);
		} finally {
			server.kill('SIGTERM');
		}
		const code = await new Promise((done) => server.once('exit', (c) => done(c)));
		expect(code).toBe(0);
	}, 60_000);
});
