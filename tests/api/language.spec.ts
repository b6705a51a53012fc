/**
 * The app language as a per-user setting (issue 18, item 4): `account.setLanguage` keeps one of
 * the six languages, or null (follow the browser), for the caller only; `auth.me` and
 * `users.list` carry it; anything else is refused naming the field, and nothing changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, expectApiError } from '../support/client';
import { makeUser, startTestServer, type TestServer } from '../support/server';

describe('the user’s app language', () => {
	let server: TestServer;
	let agent: ApiClient;
	let admin: ApiClient;
	let agentId: string;
	let adminId: string;

	beforeAll(async () => {
		server = await startTestServer();
		const a = await makeUser(server.app, 'agent', 'view');
		const b = await makeUser(server.app, 'admin', 'edit');
		agent = new ApiClient(server.url);
		admin = new ApiClient(server.url);
		agentId = (await agent.login(a.email, a.password)).user.id;
		adminId = (await admin.login(b.email, b.password)).user.id;
	});
	afterAll(() => server?.close());

	it('follows the browser until the user picks one, on every device', async () => {
		expect((await agent.query('auth.me')).user.language).toBeNull();
		const { user } = await agent.mutate('account.setLanguage', { language: 'es' });
		expect(user).toMatchObject({ id: agentId, language: 'es' });
		expect((await agent.query('auth.me')).user.language).toBe('es');

		// Only the caller's: the admin's stays as it was; the admin's list shows the agent's.
		expect((await admin.query('auth.me')).user.language).toBeNull();
		const users = await admin.query('users.list');
		expect(users.find((u: { id: string }) => u.id === agentId).language).toBe('es');
		expect(users.find((u: { id: string }) => u.id === adminId).language).toBeNull();

		// Back to the browser's language.
		await agent.mutate('account.setLanguage', { language: null });
		expect((await agent.query('auth.me')).user.language).toBeNull();
	});

	it('refuses a language the app does not speak, and keeps the setting', async () => {
		await agent.mutate('account.setLanguage', { language: 'de' });
		for (const language of ['nl', 'DE', '', 7]) {
			const error = await expectApiError(
				agent.mutate('account.setLanguage', { language }),
				'BAD_REQUEST',
				'invalid'
			);
			expect(error.body.data.field).toBe('language');
		}
		await expectApiError(agent.mutate('account.setLanguage', {}), 'BAD_REQUEST', 'invalid');
		expect((await agent.query('auth.me')).user.language).toBe('de');
	});

	it('needs a signed-in user', async () => {
		const stranger = new ApiClient(server.url);
		await expectApiError(
			stranger.mutate('account.setLanguage', { language: 'fr' }),
			'UNAUTHORIZED',
			'unauthenticated'
		);
	});
});
