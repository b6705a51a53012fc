/**
 * Attacks (issue 10, part 4), against the in-process API (with a clock the test moves) and the
 * built server (`node bin/beckon.js serve`): sign-in brute force, session link enumeration,
 * cross-site POSTs, the session cookie's attributes, SQL-looking input, the security headers and
 * the production dependencies' known vulnerabilities. XSS is checked in a browser:
 * tests/e2e/xss.e2e.ts.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as crypto from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLinkToken } from '../../src/server/services/link-tokens';
import { ApiClient } from '../support/client';
import { makeUser, startTestServer, type TestServer } from '../support/server';
import {
	BUILT_ADMIN,
	BUILT_ADMIN_ENV,
	startBuiltServer,
	startWithAdmin,
	type BuiltServer
} from './support/built-server';
import { tableCounts } from './support/invariants';

// Spies on the primitives of link verification (the real ones run), to see it does the same work
// whatever the token.
vi.mock('node:crypto', async (importOriginal) => {
	const real = await importOriginal<typeof import('node:crypto')>();
	const spied = {
		...real,
		timingSafeEqual: vi.fn(real.timingSafeEqual),
		createHmac: vi.fn(real.createHmac)
	};
	return { ...spied, default: spied };
});

const T0 = Date.parse('2030-03-04T09:00:00.000Z');

interface Answer {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	body: any;
}

/**
 * One tRPC call over a fresh connection from a chosen loopback address (127.x.y.z all reach the
 * server on Linux), so limits per address can be exercised from one test.
 */
function callFrom(
	from: string,
	baseUrl: string,
	kind: 'query' | 'mutation',
	path: string,
	input: unknown,
	headers: Record<string, string> = {}
): Promise<Answer> {
	const url = new URL(baseUrl);
	const qs = kind === 'query' ? `?input=${encodeURIComponent(JSON.stringify(input))}` : '';
	const body = kind === 'mutation' ? JSON.stringify(input) : undefined;
	return new Promise((resolve, reject) => {
		const req = httpRequest(
			{
				host: url.hostname,
				port: url.port,
				path: `/api/trpc/${path}${qs}`,
				method: kind === 'query' ? 'GET' : 'POST',
				localAddress: from,
				agent: false,
				headers: { 'content-type': 'application/json', ...headers }
			},
			(res) => {
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (chunk) => (text += chunk));
				res.on('end', () => {
					let parsed: unknown = text;
					try {
						parsed = JSON.parse(text);
					} catch {
						// not JSON (e.g. an HTML error page)
					}
					resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
				});
			}
		);
		req.on('error', reject);
		req.end(body);
	});
}

const codeOf = (answer: Answer) => answer.body?.error?.data?.code as string | undefined;

describe('sign-in brute force', () => {
	let now = T0;
	let server: TestServer;
	const login = (from: string, email: string, password: string) =>
		callFrom(from, server.url, 'mutation', 'auth.login', { email, password });
	const tick = (ms: number) => (now += ms);

	beforeAll(async () => {
		server = await startTestServer({ clock: () => now });
	});
	afterAll(() => server.close());

	it('per account from anywhere: five free failures, then only slowed (at most 30 s), never locked; the owner from a known address is not held back', async () => {
		const victim = await makeUser(server.app, 'agent', 'edit');
		// The owner signed in once from the office.
		expect((await login('127.1.9.9', victim.email, victim.password)).status).toBe(200);
		// A botnet: every guess from another address, so only the account's limit applies.
		let host = 0;
		const guess = (password = 'not the password') =>
			login(`127.1.0.${++host}`, victim.email, password);

		for (let i = 1; i <= 6; i++) expect(codeOf(await guess()), `guess ${i}`).toBe('UNAUTHORIZED');
		// Slowed: the next attempt must wait, and is refused before the password is checked.
		const early = await guess(victim.password);
		expect(early.status).toBe(429);
		expect(early.body.error.message).toMatch(/try again in 1 s/);
		tick(1_000);
		expect(codeOf(await guess())).toBe('UNAUTHORIZED'); // 7th failure: 2 s
		tick(1_000);
		expect(codeOf(await guess())).toBe('TOO_MANY_REQUESTS');
		// Forty more failures, each after waiting out its delay: the wait stops growing at 30 s.
		let delay = 2_000;
		for (let i = 0; i < 40; i++) {
			tick(delay);
			expect(codeOf(await guess()), `failure ${8 + i}`).toBe('UNAUTHORIZED');
			delay = Math.min(30_000, delay * 2);
		}
		expect(delay).toBe(30_000);
		const slowed = await guess(victim.password);
		expect(slowed.status).toBe(429);
		expect(slowed.body.error.message).toMatch(/try again in 30 s/);
		// The owner, from the address they signed in from before, is not held back at all.
		const owner = await login('127.1.9.9', victim.email, victim.password);
		expect(owner.status).toBe(200);
		expect(owner.headers['set-cookie']).toBeDefined();
		// From a new address after 30 s: slowed, never locked. The owner's success just now cleared
		// the account's failures, so the botnet starts over with five free ones.
		tick(30_000);
		expect((await guess(victim.password)).status).toBe(200);
		for (let i = 1; i <= 5; i++) expect(codeOf(await guess())).toBe('UNAUTHORIZED');
	});

	it('per account at one address: five free failures, then slowed, then locked for 15 minutes (that address only)', async () => {
		const victim = await makeUser(server.app, 'agent', 'edit');
		expect((await login('127.4.9.9', victim.email, victim.password)).status).toBe(200);
		const attacker = '127.4.0.1';
		const guess = (password = 'not the password') => login(attacker, victim.email, password);
		for (let i = 1; i <= 6; i++) expect(codeOf(await guess()), `guess ${i}`).toBe('UNAUTHORIZED');
		let delay = 1_000;
		for (let failures = 6; failures < 10; failures++) {
			tick(delay);
			expect(codeOf(await guess()), `failure ${failures + 1}`).toBe('UNAUTHORIZED');
			delay *= 2;
		}
		// Locked at 10: even the right password, even after waiting minutes.
		for (const wait of [8_000, 60_000, 10 * 60_000]) {
			tick(wait);
			const locked = await guess(victim.password);
			expect(locked.status).toBe(429);
			expect(locked.body.error.message).toMatch(/locked/);
		}
		// The owner at their usual address is unaffected, and other accounts too.
		expect((await login('127.4.9.9', victim.email, victim.password)).status).toBe(200);
		const bystander = await makeUser(server.app, 'agent', 'edit');
		expect((await login(attacker, bystander.email, bystander.password)).status).toBe(200);
		tick(5 * 60_000); // 15 minutes since the last failure
		expect((await guess(victim.password)).status).toBe(200);
	});

	it('per address: ten free failures over any accounts, then slowed, then locked; other addresses unaffected', async () => {
		const attacker = '127.2.0.1';
		const user = await makeUser(server.app, 'agent', 'edit');
		const wrong = (i: number) => login(attacker, `someone${i}@example.com`, 'guess');
		let failures = 0;
		for (; failures < 11;) expect(codeOf(await wrong(++failures))).toBe('UNAUTHORIZED');
		expect(codeOf(await wrong(99))).toBe('TOO_MANY_REQUESTS');
		// Waiting out each growing delay, up to the lock at 30 failures.
		let delay = 1_000;
		while (failures < 30) {
			tick(delay - 1);
			expect(codeOf(await wrong(100 + failures)), `early after ${failures}`).toBe(
				'TOO_MANY_REQUESTS'
			);
			tick(1);
			expect(codeOf(await wrong(++failures))).toBe('UNAUTHORIZED');
			delay = Math.min(30_000, delay * 2);
		}
		tick(60_000);
		const locked = await login(attacker, user.email, user.password);
		expect(locked.status).toBe(429);
		expect(locked.body.error.message).toMatch(/locked/);
		// The same account from elsewhere is fine: the lock is the address's.
		expect((await login('127.2.0.2', user.email, user.password)).status).toBe(200);
		tick(15 * 60_000);
		expect((await login(attacker, user.email, user.password)).status).toBe(200);
	});

	it('successful sign-ins are never slowed, and parallel guesses are held back as well', async () => {
		const user = await makeUser(server.app, 'agent', 'edit');
		for (let i = 0; i < 40; i++) {
			expect((await login('127.3.0.1', user.email, user.password)).status).toBe(200);
		}
		const target = await makeUser(server.app, 'agent', 'edit');
		const answers = await Promise.all(
			Array.from({ length: 20 }, (_, i) => login(`127.3.1.${i + 1}`, target.email, `guess ${i}`))
		);
		const codes = answers.map(codeOf);
		// Five free failures and one more that starts the delay; the rest are refused unchecked.
		expect(codes.filter((c) => c === 'UNAUTHORIZED')).toHaveLength(6);
		expect(codes.filter((c) => c === 'TOO_MANY_REQUESTS')).toHaveLength(14);
	});
});

describe('session link tokens', () => {
	let now = T0;
	let server: TestServer;
	let agent: ApiClient;
	const tokenOf = (link: string) => new URL(link).pathname.split('/').at(-1) as string;
	const get = (from: string, token: string) =>
		callFrom(from, server.url, 'query', 'link.get', { token });
	const spied = crypto as unknown as {
		timingSafeEqual: ReturnType<typeof vi.fn>;
		createHmac: ReturnType<typeof vi.fn>;
	};

	beforeAll(async () => {
		server = await startTestServer({ clock: () => now });
		const user = await makeUser(server.app, 'agent', 'edit');
		agent = new ApiClient(server.url);
		await agent.login(user.email, user.password);
	});
	beforeEach(() => {
		// A new rate-limit window for each test.
		now += 11 * 60_000;
	});
	afterAll(() => server.close());

	/** A live link, its revoked predecessor and look-alikes that do not resolve. */
	async function tokens() {
		const request = await agent.mutate('requests.create', { recipientName: 'Enumeration' });
		const revoked = tokenOf(request.link);
		const regenerated = await agent.mutate('requests.regenerateLink', { id: request.id });
		const live = tokenOf(regenerated.link);
		const mac = Buffer.from(live, 'base64url');
		mac[20] ^= 0x01;
		const reopened = await agent.mutate('requests.create', { recipientName: 'Reopened' });
		await agent.mutate('requests.close', { id: reopened.id });
		const beforeReopen = tokenOf(reopened.link);
		await agent.mutate('requests.reopen', { id: reopened.id });
		return {
			live,
			dead: {
				revoked,
				'revoked by a reopen': beforeReopen,
				'one MAC bit flipped': mac.toString('base64url'),
				'well-formed, unknown request': createLinkToken(randomBytes(32), uuidv7(), 1),
				'an unknown request under the right MAC length': createLinkToken(
					randomBytes(32),
					request.id,
					2
				),
				'not a token': 'x'.repeat(54),
				short: 'abc',
				'too long': `${live}A`
			}
		};
	}

	it('answers every dead token with the same NOT_FOUND: no oracle for which requests exist', async () => {
		const { live, dead } = await tokens();
		expect((await get('127.4.0.1', live)).status).toBe(200);
		const answers = await Promise.all(
			Object.entries(dead).map(async ([label, token]) => {
				const answer = await get('127.4.0.1', token);
				return { label, status: answer.status, body: JSON.stringify(answer.body) };
			})
		);
		const first = answers[0];
		expect(first.status).toBe(404);
		for (const answer of answers) {
			expect({ ...answer, label: first.label }, answer.label).toEqual(first);
		}
		// The same for the mutation and the live stream.
		const opens = await Promise.all(
			Object.values(dead).map((token) =>
				callFrom('127.4.0.2', server.url, 'mutation', 'link.open', { token })
			)
		);
		expect(new Set(opens.map((a) => JSON.stringify([a.status, a.body.error.message])))).toEqual(
			new Set([JSON.stringify([404, first && JSON.parse(first.body).error.message])])
		);
	});

	it('verifies every token with one constant-time comparison of a computed MAC', async () => {
		const { live, dead } = await tokens();
		const cases = {
			live,
			revoked: dead.revoked,
			'unknown request': dead['well-formed, unknown request'],
			'flipped MAC': dead['one MAC bit flipped']
		};
		for (const [label, token] of Object.entries(cases)) {
			spied.timingSafeEqual.mockClear();
			spied.createHmac.mockClear();
			await get('127.4.1.1', token);
			expect(spied.createHmac, label).toHaveBeenCalledTimes(1);
			expect(spied.timingSafeEqual, label).toHaveBeenCalledTimes(1);
			const [a, b] = spied.timingSafeEqual.mock.calls[0] as [Buffer, Buffer];
			expect(a.length, label).toBe(24);
			expect(b.length, label).toBe(24);
		}
	});

	it('rate-limits guessing per address: 20 misses per 10 minutes, then TOO_MANY_REQUESTS', async () => {
		const { live } = await tokens();
		const guesser = '127.4.2.1';
		const guess = () => get(guesser, createLinkToken(randomBytes(32), uuidv7(), 1));
		for (let i = 1; i <= 20; i++) expect((await guess()).status, `guess ${i}`).toBe(404);
		for (let i = 0; i < 5; i++) expect(codeOf(await guess())).toBe('TOO_MANY_REQUESTS');
		// The real end user elsewhere is unaffected.
		expect((await get('127.4.2.2', live)).status).toBe(200);
		now += 10 * 60_000;
		expect((await guess()).status).toBe(404);
	});

	it('caps every address at 120 link calls a minute, valid tokens included', async () => {
		const { live } = await tokens();
		for (let i = 1; i <= 120; i++)
			expect((await get('127.4.3.1', live)).status, `call ${i}`).toBe(200);
		expect(codeOf(await get('127.4.3.1', live))).toBe('TOO_MANY_REQUESTS');
		now += 60_000;
		expect((await get('127.4.3.1', live)).status).toBe(200);
	});
});

describe('SQL-looking input', () => {
	let server: TestServer;
	let admin: ApiClient;
	const SQLISH = [
		"Robert'); DROP TABLE session_requests;--",
		"' OR '1'='1",
		'"; DELETE FROM users WHERE "1"="1',
		'1; SELECT * FROM sessions --',
		"admin'--",
		'100% _sure_ \\ escape',
		'%',
		'_',
		"x' UNION SELECT password_hash FROM users --"
	];

	beforeAll(async () => {
		server = await startTestServer();
		const user = await makeUser(server.app, 'admin', 'edit');
		admin = new ApiClient(server.url);
		await admin.login(user.email, user.password);
	});
	afterAll(() => server.close());

	it('is stored and returned verbatim in every text field, and searched literally', async () => {
		const before = tableCounts(server.app.sqlite);
		const ids: string[] = [];
		for (const text of SQLISH) {
			const created = await admin.mutate('requests.create', {
				recipientName: text,
				comments: text,
				recipientEmail: "o'brien+x@example.com"
			});
			ids.push(created.id);
			const got = await admin.query('requests.get', { id: created.id });
			expect(got).toMatchObject({
				recipientName: text,
				comments: text,
				recipientEmail: "o'brien+x@example.com"
			});
			const view = await new ApiClient(server.url).query('link.get', {
				token: new URL(created.link).pathname.split('/').at(-1)
			});
			expect(view.recipientName).toBe(text);
		}
		// Search is literal: `%`, `_` and quotes match themselves only.
		for (const text of SQLISH) {
			const { items } = await admin.query('requests.list', { search: text, limit: 200 });
			const names = (items as { recipientName: string }[]).map((r) => r.recipientName);
			expect(names.length, text).toBeGreaterThan(0);
			for (const name of names) expect(name, `search ${text}`).toContain(text);
		}
		const { user } = await admin.mutate('users.create', {
			email: 'sql@example.com',
			name: SQLISH[0],
			password: 'a long password',
			role: 'agent',
			permission: 'edit'
		});
		expect(user.name).toBe(SQLISH[0]);
		const { queue } = await admin.mutate('queues.create', {
			name: SQLISH[1],
			memberIds: [user.id]
		});
		expect(
			(await admin.query('queues.list')).find((q: { id: string }) => q.id === queue.id).name
		).toBe(SQLISH[1]);
		await admin.mutate('settings.update', { organizationName: SQLISH[2] });
		expect((await admin.query('settings.get')).organizationName).toBe(SQLISH[2]);
		// Every table is still there and grew by exactly what was created.
		const after = tableCounts(server.app.sqlite);
		expect(Object.keys(after)).toEqual(Object.keys(before));
		expect(after.session_requests - before.session_requests).toBe(SQLISH.length);
		expect(after.users - before.users).toBe(1);
	});
});

describe('the built server', () => {
	let dataDir: string;
	let server: BuiltServer;
	let agent: ApiClient;

	beforeAll(async () => {
		dataDir = mkdtempSync(join(tmpdir(), 'beckon-attacks-'));
		let admin: ApiClient;
		({ server, admin } = await startWithAdmin({ dataDir }));
		await admin.mutate('users.create', {
			email: 'agent@attack.example.com',
			name: 'Agent',
			password: 'agent password',
			role: 'agent',
			permission: 'edit'
		});
		agent = new ApiClient(server.url);
		await agent.login('agent@attack.example.com', 'agent password');
	});
	afterAll(async () => {
		await server?.stop();
		rmSync(dataDir, { recursive: true, force: true });
	});

	const count = async () => (await agent.query('requests.list', { limit: 200 })).items.length;

	it('rejects cross-site POSTs: the cookie is ignored, form-like bodies are refused', async () => {
		const before = await count();
		const evil = 'https://evil.example';
		const post = (contentType: string, body: string, path = 'requests.create') =>
			fetch(`${server.url}/api/trpc/${path}`, {
				method: 'POST',
				headers: { cookie: agent.cookie!, origin: evil, 'content-type': contentType },
				body
			});
		const json = await post('application/json', JSON.stringify({ recipientName: 'CSRF json' }));
		expect(json.status).toBe(401);
		for (const [type, body] of [
			['text/plain', JSON.stringify({ recipientName: 'CSRF text' })],
			['application/x-www-form-urlencoded', 'recipientName=CSRF+form'],
			[
				'multipart/form-data; boundary=x',
				'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--'
			]
		]) {
			const answer = await post(type, body);
			expect(answer.status, type).toBeGreaterThanOrEqual(400);
			expect(answer.status, type).toBeLessThan(500);
			expect(answer.headers.get('access-control-allow-origin'), type).toBeNull();
		}
		// Nor can another site sign a victim in to an attacker's account (login CSRF).
		const loginCsrf = await post(
			'text/plain',
			JSON.stringify({ email: 'agent@attack.example.com', password: 'agent password' }),
			'auth.login'
		);
		expect(loginCsrf.status).toBe(403);
		expect(loginCsrf.headers.getSetCookie()).toEqual([]);
		// No CORS opening for scripts of other sites either.
		const preflight = await fetch(`${server.url}/api/trpc/requests.create`, {
			method: 'OPTIONS',
			headers: {
				origin: evil,
				'access-control-request-method': 'POST',
				'access-control-request-headers': 'content-type'
			}
		});
		expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
		// Reads with the cookie from another site are anonymous too.
		const read = await fetch(`${server.url}/api/trpc/requests.list?input=%7B%7D`, {
			headers: { cookie: agent.cookie!, origin: evil }
		});
		expect(read.status).toBe(401);
		expect(await count()).toBe(before);
		// The same calls from our own origin work.
		const own = await fetch(`${server.url}/api/trpc/requests.create`, {
			method: 'POST',
			headers: { cookie: agent.cookie!, origin: server.url, 'content-type': 'application/json' },
			body: JSON.stringify({ recipientName: 'Same origin' })
		});
		expect(own.status).toBe(200);
		expect(await count()).toBe(before + 1);
	});

	it('rate-limits link guessing by the connecting address, not a spoofable header', async () => {
		const answers: number[] = [];
		for (let i = 0; i < 25; i++) {
			const token = createLinkToken(randomBytes(32), uuidv7(), 1);
			const answer = await fetch(
				`${server.url}/api/trpc/link.get?input=${encodeURIComponent(JSON.stringify({ token }))}`,
				{ headers: { 'x-forwarded-for': `203.0.113.${i}`, 'x-real-ip': `198.51.100.${i}` } }
			);
			answers.push(answer.status);
		}
		expect(answers.slice(0, 20).every((s) => s === 404)).toBe(true);
		expect(answers.slice(20)).toEqual([429, 429, 429, 429, 429]);
	});

	it('sets the security headers on the agent app, the link page, assets and the API', async () => {
		const app = await fetch(`${server.url}/`);
		expect(app.status).toBe(200);
		const html = await app.text();
		const common = (response: Response, what: string) => {
			expect(response.headers.get('x-content-type-options'), what).toBe('nosniff');
			expect(response.headers.get('referrer-policy'), what).toBe('no-referrer');
			expect(response.headers.get('x-frame-options'), what).toBe('DENY');
			expect(response.headers.get('content-security-policy'), what).toContain(
				"frame-ancestors 'none'"
			);
		};
		common(app, 'agent app');
		// The prerendered app carries its script policy (hashes) in a <meta> tag.
		const meta = /<meta http-equiv="content-security-policy" content="([^"]+)"/i.exec(html);
		expect(meta?.[1]).toContain("script-src 'self'");
		expect(meta?.[1]).not.toContain('unsafe-eval');

		const created = await agent.mutate('requests.create', { recipientName: 'Headers' });
		for (const path of [new URL(created.link).pathname, '/s/not-a-token']) {
			const page = await fetch(`${server.url}${path}`);
			expect(page.status).toBe(200);
			common(page, path);
			const csp = page.headers.get('content-security-policy') ?? '';
			expect(csp).toContain("default-src 'self'");
			expect(csp).toMatch(/script-src 'self' 'nonce-[^']+'/);
			expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
			expect(csp).toContain("object-src 'none'");
		}
		const asset = /(\/_app\/immutable\/[^"']+\.js)/.exec(html)?.[1];
		expect(asset).toBeTruthy();
		for (const path of [
			asset!,
			'/manifest.webmanifest',
			'/service-worker.js',
			'/api/trpc/auth.me'
		]) {
			const response = await fetch(`${server.url}${path}`);
			expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
			expect(response.headers.get('referrer-policy'), path).toBe('no-referrer');
		}
	});

	it('sets an HttpOnly, SameSite session cookie, not Secure on plain http', async () => {
		const response = await fetch(`${server.url}/api/trpc/auth.login`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(BUILT_ADMIN)
		});
		const [cookie] = response.headers.getSetCookie();
		expect(cookie).toMatch(/^beckon_session=[^;]{40,};/);
		expect(cookie).toMatch(/; HttpOnly/i);
		expect(cookie).toMatch(/; SameSite=(Lax|Strict)/i);
		expect(cookie).not.toMatch(/; Secure/i);
	});
});

describe('the built server behind https', () => {
	let dataDir: string;
	let server: BuiltServer;

	beforeAll(async () => {
		dataDir = mkdtempSync(join(tmpdir(), 'beckon-https-'));
		server = await startBuiltServer({
			dataDir,
			env: {
				...BUILT_ADMIN_ENV,
				// A TLS-terminating proxy in front: the public URL is https.
				BECKON_PUBLIC_URL: 'https://beckon.example.com'
			}
		});
	});
	afterAll(async () => {
		await server?.stop();
		rmSync(dataDir, { recursive: true, force: true });
	});

	it('marks the session cookie Secure, HttpOnly and SameSite, on sign-in and sign-out', async () => {
		const login = await fetch(`${server.url}/api/trpc/auth.login`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(BUILT_ADMIN)
		});
		expect(login.status).toBe(200);
		const [cookie] = login.headers.getSetCookie();
		expect(cookie).toMatch(/^__Host-beckon_session=/);
		expect(login.headers.get('strict-transport-security')).toBe('max-age=31536000');
		expect(login.headers.get('cache-control')).toBe('no-store');
		for (const attribute of [/; HttpOnly/i, /; SameSite=(Lax|Strict)/i, /; Secure/i, /; Path=\//]) {
			expect(cookie).toMatch(attribute);
		}
		const session = cookie.split(';')[0];
		const created = await fetch(`${server.url}/api/trpc/requests.create`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', cookie: session },
			body: JSON.stringify({ recipientName: 'Behind TLS' })
		});
		expect((await created.json()).result.data.link).toMatch(/^https:\/\/beckon\.example\.com\/s\//);
		const logout = await fetch(`${server.url}/api/trpc/auth.logout`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', cookie: session },
			body: '{}'
		});
		const [cleared] = logout.headers.getSetCookie();
		expect(cleared).toMatch(/^__Host-beckon_session=;/);
		expect(cleared).toMatch(/; Secure/i);
		expect(cleared).toMatch(/; HttpOnly/i);
		// The session is over on the server too.
		const me = await fetch(`${server.url}/api/trpc/auth.me`, { headers: { cookie: session } });
		expect(me.status).toBe(401);
	});
});

describe('dependencies', () => {
	it('npm audit --omit=dev reports no high or critical vulnerability', (context) => {
		const result = spawnSync('npm', ['audit', '--omit=dev', '--audit-level=high', '--json'], {
			encoding: 'utf8',
			timeout: 60_000
		});
		let report: {
			metadata?: { vulnerabilities?: Record<string, number> };
			vulnerabilities?: Record<string, { severity: string; via: unknown[] }>;
			message?: string;
			error?: unknown;
		};
		try {
			report = JSON.parse(result.stdout);
		} catch {
			report = {};
		}
		const counts = report.metadata?.vulnerabilities;
		if (!counts) {
			const why = report.message ?? result.error?.message ?? result.stderr.split('\n')[0];
			context.skip(`the npm audit endpoint could not be reached (${why}): audit not checked`);
			return;
		}
		const serious = Object.entries(report.vulnerabilities ?? {})
			.filter(([, v]) => v.severity === 'high' || v.severity === 'critical')
			.map(([name, v]) => `${name} (${v.severity})`);
		expect(serious).toEqual([]);
		expect((counts.high ?? 0) + (counts.critical ?? 0)).toBe(0);
	}, 90_000);
});
