/**
 * Every refusal is told apart by `error.data.reason` (and `field`, `detail`), read through the
 * app's own tRPC client and `refusalOf`: what the sync engine and the link page decide on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, refusalOf, type Api } from '../../src/lib/client/api';
import { ApiClient } from '../support/client';
import { makeUser, startTestServer, type TestServer } from '../support/server';

async function refusalFrom(call: Promise<unknown>) {
	try {
		await call;
	} catch (error) {
		return refusalOf(error);
	}
	throw new Error('the call succeeded');
}

describe('refusals carry a machine-readable reason', () => {
	let server: TestServer;
	let anonymous: Api;
	let agent: Api;
	beforeAll(async () => {
		server = await startTestServer();
		anonymous = createApi(server.url);
		const user = await makeUser(server.app, 'agent', 'edit');
		const raw = new ApiClient(server.url);
		await raw.login(user.email, user.password);
		agent = createApi(server.url, { cookie: raw.cookie ?? '' });
	});
	afterAll(() => server.close());

	it('says unauthenticated to a caller who has not signed in', async () => {
		expect(await refusalFrom(anonymous.auth.me.query())).toMatchObject({
			reason: 'unauthenticated'
		});
	});

	it('says protocol_mismatch, naming protocolVersion, to a client of another protocol', async () => {
		const clientId = crypto.randomUUID();
		expect(await refusalFrom(agent.sync.pull.query({ clientId, protocolVersion: 99 }))).toEqual({
			reason: 'protocol_mismatch',
			field: 'protocolVersion'
		});
		expect(
			await refusalFrom(agent.sync.push.mutate({ clientId, protocolVersion: 99, mutations: [] }))
		).toEqual({ reason: 'protocol_mismatch', field: 'protocolVersion' });
	});

	it('says invalid and names the field of bad input', async () => {
		expect(await refusalFrom(agent.requests.create.mutate({ recipientName: '  ' }))).toEqual({
			reason: 'invalid',
			field: 'recipientName'
		});
	});

	it('says forbidden to an agent calling an admin procedure', async () => {
		expect(await refusalFrom(agent.users.list.query())).toEqual({ reason: 'forbidden' });
	});

	it('says not_found for a request that does not exist', async () => {
		const id = '01890000-0000-7000-8000-000000000000';
		expect(await refusalFrom(agent.requests.get.query({ id }))).toEqual({ reason: 'not_found' });
	});

	it('says link_dead and which kind for a link that cannot be used', async () => {
		const made = await agent.requests.create.mutate({ recipientName: 'Dora Dead' });
		const token = made.link!.split('/').at(-1)!;
		expect(await anonymous.link.get.query({ token })).toMatchObject({ status: 'open' });
		await agent.requests.close.mutate({ id: made.id });
		expect(await refusalFrom(anonymous.link.get.query({ token }))).toEqual({
			reason: 'link_dead',
			detail: 'closed'
		});
		expect(
			await refusalFrom(anonymous.link.get.query({ token: `${token.slice(0, -2)}xx` }))
		).toEqual({ reason: 'link_dead', detail: 'invalid' });
	});

	it('answers a network failure with no refusal at all', async () => {
		const unreachable = createApi('http://127.0.0.1:1');
		expect(await refusalFrom(unreachable.auth.me.query())).toBeNull();
	});
});
