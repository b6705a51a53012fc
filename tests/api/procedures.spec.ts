import { afterAll, beforeAll, describe, it } from 'vitest';
import { ApiClient } from '../support/client';
import { makeUser, startTestServer, type TestServer } from '../support/server';

describe('scratch', () => {
	let server: TestServer;
	beforeAll(async () => {
		server = await startTestServer();
	});
	afterAll(() => server.close());
	it('explores', async () => {
		const agent = await makeUser(server.app, 'agent', 'edit');
		const api = new ApiClient(server.url);
		await api.login(agent.email, agent.password);
		const post = async (path: string, body: string, headers: Record<string,string> = {}) => {
			const r = await fetch(`${server.url}/api/trpc/${path}`, { method: 'POST', headers: { cookie: api.cookie!, 'content-type': 'application/json', ...headers }, body });
			console.log(path, r.status, (await r.text()).slice(0, 400));
		};
		await post('requests.create', '{"recipientName": ');
		await post('requests.create', JSON.stringify({ recipientName: 'x'.repeat(2_000_000) }));
		await post('requests.create', JSON.stringify({ recipientName: 'ok', pad: 'x'.repeat(2_000_000) }));
		await post('requests.create', JSON.stringify({ recipientName: 'ok', comments: 'x'.repeat(4001) }));
		await post('requests.create', JSON.stringify({ recipientName: '  ' }));
		await post('requests.create', JSON.stringify({ recipientName: 5 }));
		await post('requests.create', JSON.stringify({ recipientName: 'a', sendEmail: true }));
		await post('requests.create', JSON.stringify({ recipientName: 'a', recipientEmail: 'nope' }));
		await post('requests.create', JSON.stringify({ recipientName: 'a', assignment: {kind:'agent', userId: '0190a0a0-0000-7000-8000-000000000000'} }));
		await post('requests.create', JSON.stringify({ recipientName: 'a', assignment: {kind:'bogus'} }));
		await post('requests.create', '');
		await post('requests.create', 'null');
		await post('requests.create', JSON.stringify({ recipientName: 'a', cookie: 1 }), { origin: 'http://evil.example' });
		const r = await fetch(`${server.url}/api/trpc/sync.poke`, { headers: { accept: 'text/event-stream' } });
		console.log('poke anon', r.status, r.headers.get('content-type'));
		const reader = r.body!.getReader();
		const chunk = await reader.read();
		console.log(new TextDecoder().decode(chunk.value));
		await reader.cancel();
		const r2 = await fetch(`${server.url}/api/trpc/sync.poke`, { headers: { cookie: api.cookie! } });
		console.log('poke agent', r2.status, r2.headers.get('content-type'));
		const reader2 = r2.body!.getReader();
		console.log(new TextDecoder().decode((await reader2.read()).value));
		await reader2.cancel();
		const res = await fetch(`${server.url}/api/trpc/auth.login`, { method: 'POST', headers: {'content-type':'application/json'}, body: JSON.stringify({email: agent.email, password: agent.password}) });
		console.log(res.headers.getSetCookie());
	});
});
