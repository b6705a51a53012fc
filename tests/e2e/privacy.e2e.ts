/**
 * Privacy in the browser: an admin sets retention, finds one person's data, exports it as a JSON
 * file and erases it with a confirmation; an agent's device that held the person's request
 * (list, detail and timeline in IndexedDB) loses every trace of them at its next pull.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible } from './a11y';
import {
	ADMIN,
	createAgent,
	detail,
	openRequest,
	rowById,
	signIn,
	signInAdmin,
	tag
} from './support';

/** Everything the device holds in IndexedDB, every store, as one JSON text. */
function deviceContents(page: Page) {
	return page.evaluate(
		() =>
			new Promise<string>((resolve, reject) => {
				const open = indexedDB.open('beckon');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const db = open.result;
					const names = [...db.objectStoreNames];
					const tx = db.transaction(names, 'readonly');
					const contents: Record<string, unknown> = {};
					for (const name of names) {
						const all = tx.objectStore(name).getAll();
						all.onsuccess = () => (contents[name] = all.result);
					}
					tx.oncomplete = () => {
						db.close();
						resolve(JSON.stringify(contents));
					};
					tx.onerror = () => reject(tx.error);
				};
			})
	);
}

test('an erased person disappears from an agent’s device after its next pull', async ({
	browser,
	page,
	request
}) => {
	test.setTimeout(120_000);
	const api = await signInAdmin(request);
	const t = tag();
	const agent = await createAgent(api, 'Keeper');
	const email = `erin-${t}@example.com`;
	const name = `Erin Erase ${t}`;
	const comments = `Laptop fan ${t} is loud`;
	const live = await api.mutate('requests.create', {
		recipientName: name,
		recipientEmail: email,
		sendEmail: true,
		comments,
		assignment: { kind: 'agent', userId: agent.id }
	});
	const closed = await api.mutate('requests.create', {
		recipientName: name,
		recipientEmail: email.toUpperCase(),
		assignment: { kind: 'agent', userId: agent.id }
	});
	await api.mutate('requests.close', { id: closed.id });
	const other = await api.mutate('requests.create', {
		recipientName: `Olga Other ${t}`,
		recipientEmail: `olga-${t}@example.com`,
		assignment: { kind: 'agent', userId: agent.id }
	});

	// The agent's device holds the person's requests, and the timeline of one it opened.
	await signIn(page, agent);
	await expect(rowById(page, live.id)).toContainText(name);
	await expect(rowById(page, closed.id)).toBeVisible();
	const pane = await openRequest(page, live.id);
	await expect(pane.getByRole('heading', { name })).toBeVisible();
	await expect(pane.getByText('created the request')).toBeVisible();
	await expect.poll(async () => (await deviceContents(page)).includes(email)).toBe(true);
	expect(await deviceContents(page)).toContain(comments);

	// The admin, in a browser of their own.
	const adminContext = await browser.newContext();
	const admin = await adminContext.newPage();
	await signIn(admin, ADMIN);
	await admin.getByRole('link', { name: 'Admin' }).click();
	await admin.getByRole('tab', { name: 'Privacy' }).click();

	// Retention: off by default; turned on for 400 days, then off again (the server is shared).
	const retention = admin.getByRole('form', { name: 'Retention' });
	await expect(retention.getByLabel('Anonymise closed and expired requests')).not.toBeChecked();
	await retention.getByLabel('Anonymise closed and expired requests').check();
	await retention.getByLabel('Days after closing or expiry').fill('0');
	await retention.getByRole('button', { name: 'Save retention' }).click();
	await expect(retention.getByRole('alert')).toHaveText(/whole number of days/);
	expect((await api.query('settings.get')).retentionDays).toBeNull();
	await retention.getByLabel('Days after closing or expiry').fill('400');
	await retention.getByRole('button', { name: 'Save retention' }).click();
	await expect(retention.getByRole('status')).toHaveText('Retention saved.');
	expect((await api.query('settings.get')).retentionDays).toBe(400);
	await retention.getByLabel('Anonymise closed and expired requests').uncheck();
	await retention.getByRole('button', { name: 'Save retention' }).click();
	await expect(retention.getByRole('status')).toHaveText('Retention saved.');
	expect((await api.query('settings.get')).retentionDays).toBeNull();

	// Search: both of the person's requests, whatever the case of the address.
	const search = admin.getByRole('form', { name: 'One person’s data' });
	await search.getByLabel('Email address').fill(email.toUpperCase());
	await search.getByRole('button', { name: 'Search' }).click();
	const summary = admin.getByTestId('privacy-summary');
	await expect(summary).toContainText(`Held about ${email}: 2 request(s), 1 email message(s)`);
	await expect(summary.getByTestId('privacy-request')).toHaveCount(2);
	await expectAccessible(admin, 'admin privacy');

	// Export: a JSON file with both requests and nothing of anyone else.
	const [download] = await Promise.all([
		admin.waitForEvent('download'),
		summary.getByRole('button', { name: 'Export as JSON' }).click()
	]);
	expect(download.suggestedFilename()).toBe(`personal-data-${email}.json`);
	const exported = JSON.parse(readFileSync((await download.path()) as string, 'utf8'));
	expect(exported.email).toBe(email);
	expect(exported.requests.map((r: { id: string }) => r.id).sort()).toEqual(
		[live.id, closed.id].sort()
	);
	expect(exported.requests.find((r: { id: string }) => r.id === live.id).comments).toBe(comments);
	expect(JSON.stringify(exported)).not.toContain(other.id);
	expect(JSON.stringify(exported)).not.toContain('Olga');

	// Erase, confirmed by typing the address again (a wrong one is refused first).
	await summary.getByRole('button', { name: 'Erase…' }).click();
	const dialog = admin.getByRole('dialog');
	await expect(dialog).toContainText(`Erase everything held about ${email}?`);
	await dialog.getByLabel('Type the address again to confirm').fill(`olga-${t}@example.com`);
	await dialog.getByRole('button', { name: 'Erase permanently' }).click();
	await expect(dialog.getByRole('alert')).toHaveText('The address does not match.');
	expect((await api.query('requests.get', { id: live.id })).recipientEmail).toBe(email);
	await dialog.getByLabel('Type the address again to confirm').fill(email);
	await dialog.getByRole('button', { name: 'Erase permanently' }).click();
	await expect(dialog).toBeHidden();
	await expect(admin.getByTestId('privacy-erased')).toHaveText(
		'Erased: 2 request(s) anonymised (1 closed first), 1 email message(s) cleared.'
	);
	await expect(summary).toContainText(`Nothing is held about ${email}.`);
	await adminContext.close();

	// The agent's device: the poke brings the next pull, and every trace is gone from IndexedDB.
	await expect
		.poll(async () => (await deviceContents(page)).includes(email), { timeout: 15_000 })
		.toBe(false);
	const contents = await deviceContents(page);
	for (const trace of [email, email.toUpperCase(), name, comments]) {
		expect(contents).not.toContain(trace);
	}
	expect(contents).toContain(`Olga Other ${t}`);
	await expect(rowById(page, live.id)).toContainText('Anonymised');
	await expect(rowById(page, live.id)).not.toContainText(name);
	const erased = detail(page);
	await expect(erased.getByRole('heading', { name: 'Anonymised' })).toBeVisible();
	await expect(erased.getByTestId('anonymized-note')).toContainText('can no longer be reopened');
	await expect(erased.getByRole('button', { name: 'Reopen' })).toHaveCount(0);
	await expect(erased.getByRole('button', { name: 'Close request' })).toHaveCount(0);
});
