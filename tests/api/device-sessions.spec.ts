/**
 * Session management (issue 19): a user lists their signed-in devices (browser, address, last
 * call) and signs any of them out; an admin signs out every device of a user. A device signed
 * out is refused at its next call, which is what makes the app there wipe its offline data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, expectApiError } from '../support/client';
import { makeUser, startTestServer, type TestServer } from '../support/server';
import { prepareSql } from '../../src/server/db/plain-sql';

const PHONE =
	'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36';
const LAPTOP = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

describe('signed-in devices', () => {
	let now = Date.parse('2030-03-04T10:00:00.000Z');
	let server: TestServer;
	beforeAll(async () => {
		server = await startTestServer({ clock: () => now });
	});
	afterAll(() => server.close());

	async function device(user: { email: string; password: string }, userAgent: string) {
		const api = new ApiClient(server.url);
		api.extraHeaders['user-agent'] = userAgent;
		await api.login(user.email, user.password);
		return api;
	}

	it('lists each device with its browser, address and last call, the current one marked', async () => {
		const user = await makeUser(server.app, 'agent', 'edit');
		const phone = await device(user, PHONE);
		now += 60_000;
		const laptop = await device(user, LAPTOP);
		const { sessions } = await laptop.query('auth.sessions');
		expect(sessions).toHaveLength(2);
		expect(sessions[0]).toMatchObject({
			userAgent: LAPTOP,
			address: '127.0.0.1',
			current: true,
			lastSeenAt: new Date(now).toISOString()
		});
		expect(sessions[1]).toMatchObject({ userAgent: PHONE, current: false });
		// The list never carries what a cookie is checked against.
		const stored = prepareSql(
			server.app.sqlite,
			(param) => `SELECT id FROM sessions WHERE user_id = ${param()}`
		).all(user.id);
		for (const { id } of stored as { id: string }[]) {
			expect(JSON.stringify(sessions)).not.toContain(id);
		}

		// A call from the phone a few minutes later moves its last call.
		now += 5 * 60_000;
		await phone.query('auth.me');
		const after = (await laptop.query('auth.sessions')).sessions;
		expect(after[0]).toMatchObject({ userAgent: PHONE, lastSeenAt: new Date(now).toISOString() });
	});

	it('signs one device out: its next call is refused, the others stay signed in', async () => {
		const user = await makeUser(server.app, 'agent', 'edit');
		const phone = await device(user, PHONE);
		const laptop = await device(user, LAPTOP);
		const phoneSession = (await laptop.query('auth.sessions')).sessions.find(
			(s: { userAgent: string }) => s.userAgent === PHONE
		);
		await laptop.mutate('auth.signOutSession', { id: phoneSession.id });
		await expectApiError(
			phone.query('sync.pull', { clientId: 'phone' }),
			'UNAUTHORIZED',
			'unauthenticated'
		);
		expect((await laptop.query('auth.me')).user.id).toBe(user.id);
		expect((await laptop.query('auth.sessions')).sessions).toHaveLength(1);
		const events = prepareSql(
			server.app.sqlite,
			(param) => `SELECT type, actor, data FROM account_events WHERE user_id = ${param()}`
		).all(user.id) as { type: string; actor: string; data: string }[];
		expect(events).toHaveLength(1);
		expect(events[0]).toMatchObject({ type: 'session_signed_out', actor: user.id });
		expect(JSON.parse(events[0].data)).toMatchObject({ userAgent: PHONE, address: '127.0.0.1' });
		await expectApiError(
			laptop.mutate('auth.signOutSession', { id: phoneSession.id }),
			'NOT_FOUND',
			'not_found'
		);
	});

	it('refuses to sign out another user’s device', async () => {
		const owner = await makeUser(server.app, 'agent', 'edit');
		const other = await makeUser(server.app, 'agent', 'edit');
		const ownerDevice = await device(owner, PHONE);
		const otherDevice = await device(other, LAPTOP);
		const [mine] = (await ownerDevice.query('auth.sessions')).sessions;
		await expectApiError(
			otherDevice.mutate('auth.signOutSession', { id: mine.id }),
			'NOT_FOUND',
			'not_found'
		);
		expect((await ownerDevice.query('auth.me')).user.id).toBe(owner.id);
	});

	it('lets an admin sign out every device of a user, recorded; agents may not', async () => {
		const admin = await makeUser(server.app, 'admin', 'edit');
		const user = await makeUser(server.app, 'agent', 'edit');
		const adminApi = await device(admin, LAPTOP);
		const devices = [await device(user, PHONE), await device(user, LAPTOP)];
		await expectApiError(
			devices[0].mutate('users.signOutEverywhere', { id: admin.id }),
			'FORBIDDEN',
			'forbidden'
		);
		expect(await adminApi.mutate('users.signOutEverywhere', { id: user.id })).toEqual({
			signedOut: 2
		});
		for (const api of devices) await expectApiError(api.query('auth.me'), 'UNAUTHORIZED');
		const { events } = await adminApi.query('users.accountEvents', { id: user.id });
		expect(events[0]).toMatchObject({
			type: 'sessions_signed_out',
			actor: admin.id,
			data: { count: 2 }
		});
		// They may sign in again.
		expect((await device(user, PHONE)).cookie).not.toBeNull();
		await expectApiError(adminApi.mutate('users.signOutEverywhere', { id: 'nobody' }), 'NOT_FOUND');
	});
});
