/**
 * One device, seen as a whole (DESIGN.md §3): several tabs share one sync engine and one outbox,
 * and a session the server has ended takes the user's data off the device.
 */
import { expect, test } from '@playwright/test';
import {
	createAgent,
	createRequest,
	expectAllSynced,
	localRequest,
	rowById,
	serverRequest,
	signIn,
	signInAdmin,
	tag
} from './support';

test('a second tab shares the device’s sync: its change is pushed and shows in the first tab', async ({
	context,
	page,
	request
}) => {
	const admin = await signInAdmin(request);
	const agent = await createAgent(admin, 'Tabs');
	await signIn(page, agent);

	const second = await context.newPage();
	await second.goto('/');
	await expect(second.getByRole('heading', { name: 'Session Requests' })).toBeVisible();
	// Exactly one tab leads the device's sync (a Web Lock), whichever tab the agent works in.
	const leaders = await Promise.all(
		[page, second].map((p) =>
			p.evaluate(async () => {
				const state = await navigator.locks.query();
				return state.held?.filter((lock) => lock.name?.startsWith('beckon-sync-')).length ?? 0;
			})
		)
	);
	expect(leaders).toEqual([1, 1]);

	const id = await createRequest(second, { name: `Second tab ${tag()}` });
	await expectAllSynced(second);
	await expect(rowById(page, id)).toBeVisible();
	expect((await serverRequest(admin, id)).status).toBe('open');
	await second.close();
});

test('a session ended on the server wipes the device and asks to sign in again', async ({
	page,
	request
}) => {
	const admin = await signInAdmin(request);
	const agent = await createAgent(admin, 'Revoked');
	await signIn(page, agent);
	const id = await createRequest(page, { name: `Before revocation ${tag()}` });
	await expectAllSynced(page);
	expect(await localRequest(page, id)).not.toBeNull();

	// Deactivating the account ends its sessions; the next sync hears UNAUTHORIZED.
	await admin.mutate('users.update', { id: agent.id, active: false });
	await page.evaluate(() => window.dispatchEvent(new Event('focus')));

	await expect(page.getByRole('heading', { name: 'Sign in to Beckon' })).toBeVisible({
		timeout: 10_000
	});
	await expect(page.getByText('Your session ended')).toBeVisible();
	expect(await localRequest(page, id)).toBeNull();
});
