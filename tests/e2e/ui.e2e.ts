/**
 * The agent's screens as a new user meets them: sign in, create requests in every assignment
 * mode, filter and search, open, edit, reassign, take from a queue, close and extend — with an
 * accessibility scan of each screen and screenshots at phone and desktop sizes.
 */
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, screenshot } from './a11y';
import {
	createAgent,
	createQueue,
	createRequest,
	detail,
	expectAllSynced,
	openRequest,
	rowById,
	signIn,
	signInAdmin,
	tag
} from './support';

const count = (page: Page) => page.locator('p.count');

test('an agent walks every screen of the Session Requests tab', async ({
	page,
	request
}, testInfo) => {
	test.setTimeout(90_000);
	const admin = await signInAdmin(request);
	const agent = await createAgent(admin, 'Uma');
	const colleague = await createAgent(admin, 'Colleague');
	const queue = await createQueue(admin, [agent.id]);
	const t = tag();

	await page.goto('/');
	await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
	await expectAccessible(page, 'sign-in');
	await signIn(page, agent);
	await expect(page.getByRole('heading', { name: 'Session Requests' })).toBeVisible();

	// Inline validation with the server's words, in the dialog.
	await page.getByRole('button', { name: 'New request' }).click();
	const form = page.getByRole('form', { name: 'New session request' });
	await expect(page.getByRole('dialog')).toBeVisible();
	await form.getByRole('button', { name: 'Create request' }).click();
	await expect(form.getByText('is required')).toBeVisible();
	await form.getByLabel('Send invitation email').check();
	await form.getByLabel('Recipient email').fill('not-an-email');
	await form.getByLabel('Recipient name').fill(`Mine ${t}`);
	await expect(form.getByText('must be a valid email address')).toBeVisible();
	await form.getByLabel('Recipient email').fill(`mine-${t}@example.com`);
	await form.getByLabel('Comments').fill('Printer on floor 3 will not print');
	await expectAccessible(page, 'create dialog');
	await page.setViewportSize({ width: 390, height: 844 });
	await screenshot(page, testInfo, 'create-390x844');
	await page.setViewportSize({ width: 1280, height: 800 });
	await screenshot(page, testInfo, 'create-1280x800');
	await form.getByRole('button', { name: 'Create request' }).click();
	await expect(page.getByRole('dialog')).toHaveCount(0);
	await expect(detail(page).getByRole('heading', { name: `Mine ${t}` })).toBeVisible();
	const mine = (await page
		.getByTestId('request-row')
		.filter({ hasText: `Mine ${t}` })
		.getAttribute('data-request-id')) as string;

	// The other assignment modes.
	const unassigned = await createRequest(page, { name: `Nobody ${t}`, assignTo: 'Unassigned' });
	const theirs = await createRequest(page, { name: `Theirs ${t}`, assignTo: colleague.name });
	const queued = await createRequest(page, { name: `Queued ${t}`, assignTo: queue.name });
	await expectAllSynced(page);
	await expect(rowById(page, mine)).toContainText('Me ·');
	await expect(rowById(page, unassigned)).toContainText('Unassigned');
	await expect(rowById(page, theirs)).toContainText(colleague.name);
	await expect(rowById(page, queued)).toContainText(`Queue ${queue.name}`);

	// Search, then filters on top of it.
	await page.getByRole('searchbox').fill(t);
	await expect(count(page)).toHaveText(/^4 of \d+ requests$/);
	await page.getByLabel('Assignee').selectOption({ label: 'Unassigned' });
	await expect(page.getByTestId('request-row')).toHaveCount(1);
	await expect(rowById(page, unassigned)).toBeVisible();
	await page.getByLabel('Assignee').selectOption({ label: 'Me' });
	await expect(page.getByTestId('request-row')).toHaveCount(1);
	await expect(rowById(page, mine)).toBeVisible();
	await page.getByLabel('Assignee').selectOption({ label: `Queue ${queue.name}` });
	await expect(page.getByTestId('request-row')).toHaveCount(1);
	await page.getByLabel('Assignee').selectOption({ label: 'Anyone' });
	await page.getByLabel('When').selectOption({ label: 'Upcoming' });
	await expect(page.getByTestId('request-row')).toHaveCount(0);
	await expect(page.getByText('No session requests match.')).toBeVisible();
	await page.getByLabel('When').selectOption({ label: 'Any time' });
	await page.getByLabel('Status').selectOption({ label: 'Open' });
	await expect(page.getByTestId('request-row')).toHaveCount(4);
	await page.getByLabel('Status').selectOption({ label: 'All statuses' });
	await page.getByLabel('Sort by').selectOption({ label: 'Expiry' });
	await expect(page.getByTestId('request-row')).toHaveCount(4);

	// Detail: fields, link with QR once synced, the reason Connect is not possible yet.
	let pane = await openRequest(page, mine);
	await expect(pane.getByTestId('assigned-to')).toHaveText('you');
	await expect(pane.getByText('Printer on floor 3 will not print')).toBeVisible();
	await expect(pane.getByRole('button', { name: 'Copy link' })).toBeVisible();
	await expect(pane.getByTestId('link-qr')).toBeVisible();
	const connect = pane.getByRole('button', { name: 'Connect' });
	await expect(connect).toHaveAttribute('aria-disabled', 'true');
	await expect(connect).toHaveAccessibleDescription('The recipient has not opened the link yet');
	await expect(pane.getByRole('heading', { name: 'Timeline' })).toBeVisible();
	await expect(pane.locator('.timeline li').first()).toContainText('you');
	await expectAccessible(page, 'detail');
	await screenshot(page, testInfo, 'detail-1280x800');
	await screenshot(page, testInfo, 'list-1280x800');

	// Edit recipient, comments and schedule.
	await pane.getByRole('button', { name: 'Edit', exact: true }).click();
	const edit = page.getByRole('form', { name: 'Edit request' });
	await edit.getByLabel('Recipient name').fill(`Mine edited ${t}`);
	await edit.getByLabel('Comments').fill('Call before noon');
	await edit.getByLabel('Schedule').check();
	await expectAccessible(page, 'edit dialog');
	await edit.getByRole('button', { name: 'Save changes' }).click();
	await expect(detail(page).getByRole('heading', { name: `Mine edited ${t}` })).toBeVisible();
	await expect(pane.getByText('Call before noon')).toBeVisible();
	await expect(rowById(page, mine)).toContainText('Scheduled');

	// Extend expiry.
	const before = (await pane.locator('dd').nth(3).textContent()) ?? '';
	await pane.getByLabel('New expiry').fill('2099-01-15T10:00');
	await pane.getByRole('button', { name: 'Extend expiry' }).click();
	await expect(pane.locator('dd').nth(3)).not.toHaveText(before);
	await expect(pane.locator('dd').nth(3)).toContainText('2099');

	// Reassign to a colleague.
	await pane.getByLabel('Reassign to').selectOption({ label: colleague.name });
	await pane.getByRole('button', { name: 'Reassign', exact: true }).click();
	await expect(pane.getByTestId('assigned-to')).toHaveText(colleague.name);

	// Take from the queue.
	pane = await openRequest(page, queued);
	await pane.getByRole('button', { name: 'Take' }).click();
	await expect(pane.getByTestId('assigned-to')).toHaveText('you');

	// Close, and the reason nothing else is possible.
	pane = await openRequest(page, unassigned);
	await pane.getByRole('button', { name: 'Close request' }).click();
	await expect(rowById(page, unassigned)).toHaveAttribute('data-status', 'closed');
	await expect(pane.getByRole('button', { name: 'Reopen' })).toBeVisible();
	await expect(
		pane.getByText('This request is closed: reopen it to act on it again.')
	).toBeVisible();
	await expectAllSynced(page);

	// Phone size: the list alone, then the detail alone.
	pane = await openRequest(page, mine);
	await page.setViewportSize({ width: 390, height: 844 });
	await expect(pane).toBeVisible();
	await screenshot(page, testInfo, 'detail-390x844');
	await pane.getByRole('button', { name: 'Close details' }).click();
	await expect(page.getByTestId('request-list')).toBeVisible();
	await screenshot(page, testInfo, 'list-390x844');
	await expectAccessible(page, 'list (phone)');

	// Sign out.
	await page.getByRole('button', { name: 'Sign out' }).click();
	await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
});
