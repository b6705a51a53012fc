/**
 * The admin screens: users, queues, API tokens, settings and the mail outbox — and an agent the
 * admin creates with `view` permission, who then sees no create or edit controls, only why.
 */
import { expect, test } from '@playwright/test';
import { expectAccessible, screenshot } from './a11y';
import {
	ADMIN,
	detail,
	goOffline,
	goOnline,
	openRequest,
	signIn,
	signInAdmin,
	tag
} from './support';

test('an admin manages users, queues, tokens, settings and mail', async ({
	page,
	context,
	request
}, testInfo) => {
	test.setTimeout(180_000);
	const api = await signInAdmin(request);
	const t = tag();
	const viewer = {
		name: `Viewer ${t}`,
		email: `viewer-${t}@example.com`,
		password: `pw-${t}-secret`
	};
	const visible = await api.mutate('requests.create', {
		recipientName: `Shown ${t}`,
		recipientEmail: `shown-${t}@example.com`,
		sendEmail: true,
		assignment: { kind: 'unassigned' }
	});

	await signIn(page, ADMIN);
	await page.getByRole('link', { name: 'Admin' }).click();
	await expect(page.getByRole('heading', { name: 'Admin' })).toBeVisible();
	await expectAccessible(page, 'admin users');

	// Users: an agent with view permission.
	const form = page.getByRole('form', { name: 'Add a user' });
	await form.getByRole('button', { name: 'Create user' }).click();
	await expect(form.getByText('is required').first()).toBeVisible();
	await form.getByLabel('Name').fill(viewer.name);
	await form.getByLabel('Email').fill(viewer.email);
	await form.getByLabel('Password').fill(viewer.password);
	await form.getByLabel('Permission').selectOption('view');
	await form.getByRole('button', { name: 'Create user' }).click();
	await expect(form.getByRole('status')).toContainText(`Created ${viewer.name}`);
	const row = page.getByTestId('user-row').filter({ hasText: viewer.email });
	await expect(row.getByLabel(`Permission of ${viewer.name}`)).toHaveValue('view');
	await screenshot(page, testInfo, 'admin-users-1280x800');

	// Queues: create, rename, add the viewer as a member.
	await page.getByRole('tab', { name: 'Queues' }).click();
	await page.getByLabel('New queue name').fill(`Desk ${t}`);
	await page.getByRole('button', { name: 'Create queue' }).click();
	const card = page.getByRole('article', { name: `Queue Desk ${t}` });
	await card.getByLabel('Queue name').fill(`Front desk ${t}`);
	await card.getByRole('button', { name: 'Rename' }).click();
	const renamed = page.getByRole('article', { name: `Queue Front desk ${t}` });
	await renamed.getByLabel(viewer.name).check();
	await expect(renamed.getByText('Members (1)')).toBeVisible();
	await expectAccessible(page, 'admin queues');

	// API tokens: shown once, then revoked.
	await page.getByRole('tab', { name: 'API tokens' }).click();
	await page.getByLabel('Token name').fill(`CI ${t}`);
	await page.getByRole('button', { name: 'Create token' }).click();
	await expect(page.getByLabel('New API token')).toHaveValue(/^bk_/);
	await page.getByRole('button', { name: 'Done' }).click();
	await expect(page.getByLabel('New API token')).toHaveCount(0);
	const token = page.getByTestId('token-row').filter({ hasText: `CI ${t}` });
	await token.getByRole('button', { name: 'Revoke' }).click();
	await page.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click();
	await expect(token).toContainText('Revoked');
	await expectAccessible(page, 'admin tokens');

	// Settings: validated, saved.
	await page.getByRole('tab', { name: 'Settings' }).click();
	const lead = page.getByLabel('Reminder lead time');
	await expect(page.getByLabel('Organisation name')).not.toHaveValue('');
	const original = await lead.inputValue();
	await lead.fill('soon');
	await page.getByRole('button', { name: 'Save settings' }).click();
	await expect(page.getByText('must be a duration such as 7d, 12h or 30m')).toBeVisible();
	await lead.fill(original);
	await page.getByRole('button', { name: 'Save settings' }).click();
	await expect(page.getByText('Settings saved.')).toBeVisible();
	await expectAccessible(page, 'admin settings');

	// Mail outbox: read the invitation in a sandbox, resend it.
	await page.getByRole('tab', { name: 'Mail outbox' }).click();
	const mail = page
		.getByTestId('mail-row')
		.filter({ hasText: `shown-${t}@example.com` })
		.first();
	await expect(mail).toBeVisible();
	await expectAccessible(page, 'admin mail');
	await mail.getByRole('button').first().click();
	const message = page.getByRole('dialog');
	await expect(message.locator('iframe')).toHaveAttribute('sandbox', '');
	await message.getByRole('button', { name: 'Text' }).click();
	await expect(message.locator('pre')).toContainText(`Shown ${t}`);
	await message.getByRole('button', { name: 'Close', exact: true }).click();
	await mail.getByRole('button', { name: 'Resend' }).click();
	await expect(page.getByRole('alert')).toHaveCount(0);

	// Offline: admin needs the network, and says so.
	await goOffline(context, page);
	await expect(page.getByTestId('admin-offline')).toBeVisible();
	await goOnline(context, page);
	await expect(page.getByTestId('admin-offline')).toHaveCount(0);

	// The viewer: no create or edit controls, and the reason why.
	await page.getByRole('link', { name: 'Requests' }).click();
	await page.getByRole('button', { name: 'Sign out' }).click();
	await expect(page.getByRole('heading', { name: 'Sign in to Beckon' })).toBeVisible();
	await signIn(page, viewer);
	await expect(page.getByRole('link', { name: 'Admin' })).toHaveCount(0);
	await expect(page.getByRole('button', { name: 'New request' })).toHaveCount(0);
	await expect(page.getByTestId('view-only-reason')).toContainText('View only');
	const pane = await openRequest(page, visible.id);
	await expect(detail(page).getByRole('heading', { name: `Shown ${t}` })).toBeVisible();
	for (const name of ['Close request', 'Take', 'Edit', 'Reassign', 'Extend expiry', 'Connect']) {
		await expect(pane.getByRole('button', { name, exact: true })).toHaveCount(0);
	}
	await expect(pane.getByTestId('view-only-reason')).toContainText('view-only access');
	await expectAccessible(page, 'detail (view only)');
});
