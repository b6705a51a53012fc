/**
 * The built server answers `/api/trpc` before SvelteKit (src/server/http/server.ts). What the
 * SvelteKit hook, route and adapter-node did for API calls must still happen on that path: the
 * request id and log line, the client address from the proxy's header, the body limit, live
 * streams that end at shutdown.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBuiltServer, type BuiltServer } from '../reliability/support/built-server';
import { ApiClient } from '../support/client';

const ADMIN = { email: 'front-admin@example.com', password: 'front admin password' };

describe('the built server’s API front', () => {
	let dataDir: string;
	let server: BuiltServer;
	let admin: ApiClient;
	const from = (address: string) => ({ 'x-forwarded-for': `192.0.2.200, ${address}` });

	beforeAll(async () => {
		dataDir = mkdtempSync(join(tmpdir(), 'beckon-front-'));
		server = await startBuiltServer({
			dataDir,
			env: {
				BECKON_ADMIN_EMAIL: ADMIN.email,
				BECKON_ADMIN_PASSWORD: ADMIN.password,
				// Behind a proxy: the client address is the last X-Forwarded-For entry.
				ADDRESS_HEADER: 'X-Forwarded-For',
				XFF_DEPTH: '1',
				LOG_LEVEL: 'info'
			}
		});
		admin = new ApiClient(server.url);
		admin.extraHeaders = from('198.51.100.1');
		await admin.login(ADMIN.email, ADMIN.password);
	});
	afterAll(async () => {
		await server?.stop();
		rmSync(dataDir, { recursive: true, force: true });
	});

	it('answers with the security headers and a request id, logged once by procedure name', async () => {
		const created = await admin.mutate('requests.create', { recipientName: 'Front' });
		const token = new URL(created.link).pathname.split('/').at(-1)!;
		const input = encodeURIComponent(JSON.stringify({ token }));
		const response = await fetch(`${server.url}/api/trpc/link.get?input=${input}`, {
			headers: from('198.51.100.2')
		});
		expect(response.status).toBe(200);
		const requestId = response.headers.get('x-request-id');
		expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
		expect(response.headers.get('referrer-policy')).toBe('no-referrer');
		expect(response.headers.get('x-frame-options')).toBe('DENY');
		expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
		expect(response.headers.get('content-length')).toBe(String((await response.text()).length));

		await expect.poll(() => server.output().includes(requestId!)).toBe(true);
		const lines = server
			.output()
			.split('\n')
			.filter((line) => line.includes(requestId!))
			.map((line) => JSON.parse(line));
		expect(lines).toEqual([
			expect.objectContaining({
				msg: 'request',
				method: 'GET',
				route: '/api/trpc/[...trpc]',
				procedure: 'link.get',
				status: 200,
				ms: expect.any(Number)
			})
		]);
		// Neither the token in the query nor the one in the link reaches the log.
		expect(server.output()).not.toContain(token);
	});

	it('limits link guesses per forwarded client address', async () => {
		const guess = (address: string) =>
			fetch(
				`${server.url}/api/trpc/link.get?input=${encodeURIComponent(JSON.stringify({ token: 'x'.repeat(54) }))}`,
				{ headers: from(address) }
			).then((r) => r.status);
		const statuses: number[] = [];
		for (let i = 0; i < 22; i++) statuses.push(await guess('203.0.113.9'));
		expect(statuses.slice(0, 20).every((s) => s === 404)).toBe(true);
		expect(statuses.slice(20)).toEqual([429, 429]);
		// Another client behind the same proxy is not held back.
		expect(await guess('203.0.113.10')).toBe(404);
	});

	it('reads bodies up to 1,000,000 bytes and refuses larger ones', async () => {
		const login = (size: number) =>
			fetch(`${server.url}/api/trpc/auth.login`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', ...from('198.51.100.3') },
				body: JSON.stringify({ email: 'nobody@example.com', password: 'x'.repeat(size) })
			});
		// Past adapter-node's own default limit (512 KB), under ours: read and answered.
		const large = await login(900_000);
		expect(large.status).not.toBe(413);
		const tooLarge = await login(1_000_000);
		expect(tooLarge.status).toBe(413);
		expect((await tooLarge.json()).error.data.code).toBe('PAYLOAD_TOO_LARGE');
	});

	it('leaves other paths to SvelteKit', async () => {
		const page = await fetch(`${server.url}/api/trpcx`);
		expect(page.status).toBe(404);
		expect(page.headers.get('content-type')).toMatch(/text\/html/);
	});

	it('ends live streams at shutdown and exits cleanly', async () => {
		const stream = await fetch(`${server.url}/api/trpc/sync.poke`, {
			headers: { cookie: admin.cookie!, accept: 'text/event-stream', ...from('198.51.100.4') }
		});
		expect(stream.status).toBe(200);
		expect(stream.headers.get('x-accel-buffering')).toBe('no');
		const reader = stream.body!.getReader();
		await reader.read();
		const started = Date.now();
		const code = await server.stop();
		expect(code).toBe(0);
		// The stream ended with the server, well before adapter-node's 30 s shutdown timeout.
		for (;;) {
			const { done } = await reader.read().catch(() => ({ done: true }));
			if (done) break;
		}
		expect(Date.now() - started).toBeLessThan(10_000);
	});
});
