/**
 * Admin → Webhooks against a receiver in the test: add an endpoint, copy its secret (shown
 * once), send a test event that the receiver verifies with the `standardwebhooks` library, read
 * the delivery log, and delete the endpoint.
 */
import { expect, test } from '@playwright/test';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { expectAccessible, screenshot } from './a11y';
import { ADMIN, signIn, tag } from './support';

test('an admin adds a webhook endpoint, tests it and reads its deliveries', async ({
	page
}, testInfo) => {
	const received: { headers: IncomingHttpHeaders; body: string }[] = [];
	const receiver = createServer((req, res) => {
		let body = '';
		req.on('data', (chunk) => (body += chunk));
		req.on('end', () => {
			received.push({ headers: req.headers, body });
			res.writeHead(200).end();
		});
	});
	await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook-${tag()}`;
	try {
		await signIn(page, ADMIN);
		await page.getByRole('link', { name: 'Admin' }).click();
		await page.getByRole('tab', { name: 'Webhooks' }).click();

		const form = page.getByRole('form', { name: 'Add endpoint' });
		await form.getByLabel('Endpoint URL').fill('not a url');
		await form.getByRole('button', { name: 'Add endpoint' }).click();
		await expect(page.getByRole('alert')).toContainText('Enter an http:// or https:// URL.');
		await form.getByLabel('Endpoint URL').fill(url);
		await form.getByLabel('Description (optional)').fill('Helpdesk');
		await form.getByLabel('email.failed').uncheck();
		await form.getByRole('button', { name: 'Add endpoint' }).click();

		const secretBox = page.getByLabel('Signing secret');
		await expect(secretBox).toHaveValue(/^whsec_/);
		const secret = await secretBox.inputValue();
		const row = page.getByTestId('webhook-row').filter({ hasText: url });
		await expect(row).toContainText('Active');
		await expect(row).toContainText('request.created');
		await expect(row).not.toContainText('email.failed');
		await expectAccessible(page, 'admin webhooks');
		await page.getByRole('button', { name: 'Done' }).click();
		await expect(secretBox).toHaveCount(0);

		await row.getByRole('button', { name: 'Send test' }).click();
		await expect(page.getByTestId('webhook-notice')).toContainText('Test delivered: HTTP 200');
		expect(received).toHaveLength(1);
		const [delivery] = received;
		const body = new Webhook(secret).verify(delivery.body, {
			'webhook-id': String(delivery.headers['webhook-id']),
			'webhook-timestamp': String(delivery.headers['webhook-timestamp']),
			'webhook-signature': String(delivery.headers['webhook-signature'])
		});
		expect(body).toMatchObject({ type: 'webhook.test' });

		await row.getByRole('button', { name: 'Deliveries' }).click();
		const log = page.getByTestId('webhook-log');
		await expect(log.getByTestId('webhook-delivery')).toHaveCount(1);
		await expect(log.getByTestId('webhook-delivery')).toContainText('webhook.test');
		await expect(log.getByTestId('webhook-delivery')).toContainText('Delivered');
		await expect(log.getByTestId('webhook-delivery')).toContainText('200');
		await expectAccessible(page, 'admin webhook deliveries');
		await screenshot(page, testInfo, 'admin-webhooks-1280x800');

		await row.getByRole('button', { name: 'Turn off' }).click();
		await expect(row).toContainText('Turned off');
		await row.getByRole('button', { name: 'Delete' }).click();
		await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
		await expect(page.getByTestId('webhook-row').filter({ hasText: url })).toHaveCount(0);
	} finally {
		receiver.closeAllConnections();
		await new Promise<void>((resolve) => receiver.close(() => resolve()));
	}
});
