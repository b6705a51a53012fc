/**
 * The read budget over the API (read-budget.ts): a user's spent balance holds their reads back
 * only while someone else wants the server; any call counts, an end user's or an unsigned one's
 * included. A tight budget here so that one read spends it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadBudget } from '../../src/server/read-budget';
import { ApiClient, expectApiError } from '../support/client';
import { makeUser, signIn, startTestServer, type TestServer } from '../support/server';

const A_DEVICE = '00000000-0000-4000-8000-00000000000a';
const B_DEVICE = '00000000-0000-4000-8000-00000000000b';

describe('read budget', () => {
	let server: TestServer;
	let alice: ApiClient;
	let bob: ApiClient;
	let aliceId: string;

	beforeAll(async () => {
		server = await startTestServer();
		const user = await makeUser(server.app, 'agent', 'view');
		aliceId = user.id;
		alice = await signIn(server, user);
		bob = await signIn(server, await makeUser(server.app, 'agent', 'view'));
		// A microsecond to spend, no waiting, and the budget's clock stands still (nothing
		// refills, and a call made once stays recent): one read spends a user's balance.
		server.app.limits.reads = new ReadBudget(
			{ msPerSecond: 1, burstMs: 0.001, maxWaiting: 10, maxWaitMs: 0, contendedMs: 60_000 },
			() => 0
		);
	});
	afterAll(() => server?.close());

	it('lets a user read on while nobody else calls, and holds them once someone does', async () => {
		// Alone: reads beyond the balance are answered.
		for (let k = 0; k < 5; k++) {
			const page = await alice.query('sync.pull', { clientId: A_DEVICE, protocolVersion: 1 });
			expect(page.more).toBe(false);
		}
		// ... and leave her balance spent, not in debt.
		expect(server.app.limits.reads.balanceOf(aliceId)).toBe(0);
		// An unsigned caller (the sign-in page asking how to sign in) wants the server too.
		const anyone = new ApiClient(server.url);
		expect(await anyone.query('auth.ssoInfo')).toMatchObject({ enabled: false });
		const error = await expectApiError(
			alice.query('sync.pull', { clientId: A_DEVICE, protocolVersion: 1 }),
			'TOO_MANY_REQUESTS',
			'rate_limited'
		);
		expect(error.body.message).toBe('Too many reads; try again in a moment');
		// Another user's reads are not held back by Alice's spending.
		const page = await bob.query('sync.pull', { clientId: B_DEVICE, protocolVersion: 1 });
		expect(page.more).toBe(false);
	});
});
