/**
 * Transfer in the agent app (issue 21, item 2): the holder hands a request to a colleague with a
 * note from the request's detail; the colleague's app shows it live with the note. Made offline,
 * a transfer to a colleague deactivated meanwhile is refused when it syncs: the app rolls it back
 * and shows why under "Needs attention".
 */
import { expect, test } from '@playwright/test';
import {
	attention,
	createAgent,
	detail,
	expectAllSynced,
	goOffline,
	goOnline,
	openRequest,
	rowById,
	serverRequest,
	signIn,
	signInAdmin,
	tag,
	waitForOfflineReady
} from './support';

test('hands a request to a colleague with a note, who sees it live', async ({
	browser,
	page,
	request
}) => {
	const admin = await signInAdmin(request);
	const [holder, colleague] = await Promise.all([
		createAgent(admin, 'Hana'),
		createAgent(admin, 'Colm')
	]);
	const name = `Transfer ${tag()}`;
	const created = await admin.mutate('requests.create', {
		recipientName: name,
		assignment: { kind: 'agent', userId: holder.id }
	});
	const colleagueContext = await browser.newContext();
	const colleaguePage = await colleagueContext.newPage();
	try {
		await signIn(colleaguePage, colleague);
		await expect(rowById(colleaguePage, created.id)).toHaveCount(0);

		await signIn(page, holder);
		const pane = await openRequest(page, created.id);
		const form = pane.getByTestId('transfer-form');
		await form.getByLabel('Transfer to').selectOption({ label: colleague.name });
		await form.getByLabel('Note for the receiver (optional)').fill('Needs the VPN profile reset.');
		await form.getByRole('button', { name: 'Transfer' }).click();
		// The change is queued on the device as the click is handled, then pushed: wait for the
		// server to have it rather than for an empty queue (which it is for a moment first).
		await expect
			.poll(async () => (await serverRequest(admin, created.id)).assignment, { timeout: 10_000 })
			.toEqual({ kind: 'agent', userId: colleague.id });
		await expectAllSynced(page);

		const stored = await serverRequest(admin, created.id);
		expect(stored.events.at(-1)).toMatchObject({
			type: 'transferred',
			actor: holder.id,
			data: { note: 'Needs the VPN profile reset.' }
		});

		// The colleague's app receives it live (no reload), with the note for them.
		await expect(rowById(colleaguePage, created.id)).toBeVisible({ timeout: 10_000 });
		const theirs = await openRequest(colleaguePage, created.id);
		await expect(theirs.getByTestId('assigned-to')).toHaveText('you');
		await expect(theirs.getByTestId('transfer-received')).toHaveText(
			`${holder.name} transferred this request to you: “Needs the VPN profile reset.”`
		);
		await expect(theirs.locator('.timeline')).toContainText(
			`${holder.name} transferred the request to you`
		);
		await expect(theirs.locator('.timeline')).toContainText('Needs the VPN profile reset.');
	} finally {
		await colleagueContext.close();
	}
});

test('an offline transfer to a colleague deactivated meanwhile lands in "Needs attention"', async ({
	page,
	context,
	request
}) => {
	const admin = await signInAdmin(request);
	const [holder, colleague] = await Promise.all([
		createAgent(admin, 'Otto'),
		createAgent(admin, 'Lea')
	]);
	const name = `Offline transfer ${tag()}`;
	const created = await admin.mutate('requests.create', {
		recipientName: name,
		assignment: { kind: 'agent', userId: holder.id }
	});
	await signIn(page, holder);
	await expect(rowById(page, created.id)).toBeVisible();
	await waitForOfflineReady(page);

	await goOffline(context, page);
	const pane = await openRequest(page, created.id);
	await pane.getByLabel('Transfer to').selectOption({ label: colleague.name });
	await pane.getByRole('button', { name: 'Transfer' }).click();
	// Applied on the device at once, like every change made offline.
	await expect(pane.getByTestId('assigned-to')).toHaveText(colleague.name);

	await admin.mutate('users.update', { id: colleague.id, active: false });
	await goOnline(context, page);

	const entry = attention(page);
	await expect(entry).toContainText(`Transfer · ${name}`, { timeout: 15_000 });
	await expect(entry).toContainText('is not an active user');
	await expectAllSynced(page);
	// Rolled back to what the server holds: still the holder's.
	await expect(detail(page).getByTestId('assigned-to')).toHaveText('you');
	const stored = await serverRequest(admin, created.id);
	expect(stored.assignment).toEqual({ kind: 'agent', userId: holder.id });
	expect(stored.events.map((e: { type: string }) => e.type)).not.toContain('transferred');
});
