import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../src/server/trpc/handler';
import { startTestServer, type TestServer } from '../support/server';

describe('request bodies', () => {
	let server: TestServer;
	beforeAll(async () => {
		server = await startTestServer();
	});
	afterAll(() => server?.close());

	const post = (body: string) =>
		fetch(`${server.url}/api/trpc/auth.login`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body
		});

	it('refuses a body over the limit, whatever length it declares', async () => {
		const padding = 'x'.repeat(MAX_BODY_BYTES + 1);
		const response = await post(JSON.stringify({ email: 'a@example.com', password: padding }));
		expect(response.status).toBe(413);
		expect((await response.json()).error.data.code).toBe('PAYLOAD_TOO_LARGE');
	});

	it('reads a body under the limit as usual', async () => {
		const response = await post(JSON.stringify({ email: 'nobody@example.com', password: 'x' }));
		expect((await response.json()).error.data.code).toBe('UNAUTHORIZED');
	});
});
