import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/client';
import { makeUser, startTestServer, type TestServer } from '../support/server';

describe('smoke', () => {
	let server: TestServer;
	beforeAll(async () => {
		server = await startTestServer();
	});
	afterAll(() => server.close());

	it('signs in and creates a request over HTTP', async () => {
		const agent = await makeUser(server.app, 'agent', 'edit');
		const api = new ApiClient(server.url);
		await api.login(agent.email, agent.password);
		const me = await api.query('auth.me');
		expect(me.user.email).toBe(agent.email);
		const created = await api.mutate('requests.create', { recipientName: 'Ada' });
		expect(created.status).toBe('open');
		expect(created.assignment).toEqual({ kind: 'agent', userId: agent.id });
		expect(created.link).toMatch(/\/s\/[A-Za-z0-9_-]{54}$/);
		const list = await api.query('requests.list', {});
		expect(list.items.map((r: { id: string }) => r.id)).toEqual([created.id]);
	});
});
