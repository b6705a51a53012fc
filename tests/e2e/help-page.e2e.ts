/**
 * Help pages (issue 21, item 4): an end user asks for help on a queue's public page, solving its
 * proof of work in the browser, and lands on their session link page, waiting; the queue's agent
 * sees the request arrive without a reload, connects, and the end user allows it. A page turned
 * off says so, in the visitor's language.
 */
import { expect, test } from '@playwright/test';
import {
	ADMIN,
	createAgent,
	createQueue,
	openRequest,
	rowByName,
	signIn,
	signInAdmin,
	tag
} from './support';

test('an end user asks for help on the public page; the queue agent sees it live and connects', async ({
	page,
	browser,
	request: http
}) => {
	test.setTimeout(90_000);
	const admin = await signInAdmin(http);
	const agent = await createAgent(admin, 'Quinn');
	const queue = await createQueue(admin, [agent.id]);
	const slug = `printers-${tag()}`;

	// The admin turns the queue's help page on in the queue panel.
	const adminContext = await browser.newContext();
	const adminPage = await adminContext.newPage();
	await signIn(adminPage, ADMIN);
	await adminPage.getByRole('link', { name: 'Admin' }).click();
	await adminPage.getByRole('tab', { name: 'Queues' }).click();
	const card = adminPage.getByRole('article', { name: `Queue ${queue.name}` });
	await card.getByLabel('End users can ask for help on this page').check();
	await card.getByLabel('Page address').fill(slug);
	await card.getByLabel('Message shown on the page').fill('Printers and scanners, weekdays.');
	await card.getByRole('button', { name: 'Save help page' }).click();
	await expect(card.getByRole('status')).toHaveText('Help page saved.');
	await expect(card.getByRole('link', { name: 'Open the page' })).toHaveAttribute(
		'href',
		`/help/${slug}`
	);
	await adminContext.close();

	await signIn(page, agent);

	const context = await browser.newContext({ locale: 'en-US' });
	const user = await context.newPage();
	try {
		const name = `Rosa ${tag()}`;
		const response = await user.goto(`/help/${slug}`);
		expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
		await expect(user.getByRole('heading', { name: `Get help from ${queue.name}` })).toBeVisible();
		await expect(user.getByText('Printers and scanners, weekdays.')).toBeVisible();
		await user.getByLabel('Your name').fill(name);
		await user.getByLabel('Your email address').fill(`rosa-${tag()}@example.org`);
		await user.getByLabel('What is wrong?').fill('The printer prints blank pages.');
		await user.getByRole('button', { name: 'Ask for help' }).click();

		// Straight onto the session link page, already waiting.
		await expect(user).toHaveURL(/\/s\/[A-Za-z0-9_-]+$/, { timeout: 15_000 });
		await expect(user.getByRole('heading', { name: `Hello ${name},` })).toBeVisible();
		await expect(user.getByTestId('link-page')).toHaveAttribute('data-status', 'waiting');

		// The queue's agent sees it arrive, without a reload, waiting.
		const row = rowByName(page, name);
		await expect(row).toBeVisible({ timeout: 10_000 });
		await expect(row).toHaveAttribute('data-status', 'waiting');
		const id = (await row.getAttribute('data-request-id')) as string;
		const pane = await openRequest(page, id);
		await expect(pane.getByTestId('created-by')).toContainText('on the help page');
		await expect(pane.getByText('The printer prints blank pages.')).toBeVisible();

		// The agent takes it from the queue and connects; the end user allows it.
		await pane.getByRole('button', { name: 'Take' }).click();
		await expect(pane.getByTestId('assigned-to')).toHaveText('you');
		await expect(row).toContainText('Me ·');
		await pane.getByRole('button', { name: 'Connect' }).click();
		const consent = user.getByRole('dialog', { name: /asks to see your screen/ });
		await expect(consent).toBeVisible({ timeout: 5_000 });
		await consent.getByRole('button', { name: 'Allow' }).click();
		await expect(
			page.locator(`[data-testid="request-row"][data-request-id="${id}"]`)
		).toHaveAttribute('data-status', 'ready');
		await expect(user.getByTestId('link-page')).toHaveAttribute('data-status', 'ready');

		// The end user shares their screen; the agent starts the session and sees it.
		await user.getByRole('button', { name: 'Share my screen' }).click();
		await expect(user.getByTestId('share-preview')).toBeVisible();
		await pane.getByRole('button', { name: 'Start session' }).click();
		await expect(page.getByTestId('session-view')).toBeVisible();
		await expect(page.getByTestId('viewer-state')).toHaveAttribute('data-state', 'connected', {
			timeout: 15_000
		});
		await expect(user.getByTestId('link-page')).toHaveAttribute('data-status', 'connected');

		// The page turned off: a visitor (here in German) is told so.
		await admin.mutate('queues.setHelpPage', {
			id: queue.id,
			enabled: false,
			slug,
			message: '',
			hours: null
		});
		const german = await browser.newContext({ locale: 'de-DE' });
		const visitor = await german.newPage();
		await visitor.goto(`/help/${slug}`);
		await expect(visitor.getByTestId('help-off')).toHaveText(
			'Diese Hilfeseite ist nicht verfügbar.'
		);
		await german.close();
	} finally {
		await context.close();
	}
});
