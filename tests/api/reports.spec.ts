/**
 * reports.summary over HTTP: admins get everyone's figures, agents their own, input is checked.
 * (The figures themselves are held to a brute-force computation in services/reports.spec.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, expectApiError } from '../support/client';
import { makeUser, startTestServer, type TestServer } from '../support/server';

describe('reports.summary over the API', () => {
	let server: TestServer;
	let admin: ApiClient;
	let agent: ApiClient;
	let agentId: string;
	const from = new Date(Date.now() - 86_400_000).toISOString();
	const to = new Date(Date.now() + 86_400_000).toISOString();

	beforeAll(async () => {
		server = await startTestServer();
		const adminUser = await makeUser(server.app, 'admin', 'edit');
		const agentUser = await makeUser(server.app, 'agent', 'edit');
		agentId = agentUser.id;
		admin = new ApiClient(server.url);
		await admin.login(adminUser.email, adminUser.password);
		agent = new ApiClient(server.url);
		await agent.login(agentUser.email, agentUser.password);
	});
	afterAll(() => server?.close());

	it('counts the team for admins and an agent’s own requests for the agent', async () => {
		const mine = await agent.mutate('requests.create', {
			recipientName: 'Mine',
			assignment: { kind: 'me' }
		});
		await agent.mutate('requests.close', { id: mine.id });
		await admin.mutate('requests.create', { recipientName: 'Team', assignment: { kind: 'me' } });

		const all = await admin.query('reports.summary', { from, to });
		expect(all.totals).toMatchObject({ created: 2, closed: 1 });
		expect(all.perAgent.map((row: { agentId: string }) => row.agentId)).toContain(agentId);
		const own = await agent.query('reports.summary', { from, to });
		expect(own.totals).toMatchObject({ created: 1, closed: 1 });
		expect(own.perAgent).toEqual([expect.objectContaining({ agentId, created: 1 })]);
		const closedOnly = await admin.query('reports.summary', {
			from,
			to,
			outcome: 'closed_by_agent'
		});
		expect(closedOnly.totals.created).toBe(1);

		await expectApiError(
			agent.query('reports.summary', { from, to, agentId: (await admin.query('auth.me')).user.id }),
			'FORBIDDEN'
		);
		const backwards = await expectApiError(
			admin.query('reports.summary', { from: to, to: from }),
			'BAD_REQUEST'
		);
		expect(backwards.body.data.field).toBe('to');
		await expectApiError(
			new ApiClient(server.url).query('reports.summary', { from, to }),
			'UNAUTHORIZED'
		);
	});
});
