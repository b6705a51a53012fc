/**
 * Two-step sign-in and signed-in devices in the agent app (issue 19): an agent sets up an
 * authenticator app from the QR code's key (the test computes the codes, RFC 6238), signs out and
 * signs in with a code, then with a recovery code; a device signed out from another one loses
 * the data it kept, as a deactivated account's does.
 */
import { expect, test, type Page } from '@playwright/test';
import { base32Decode, totp } from '../../src/server/totp';
import { expectAccessible } from './a11y';
import {
	createAgent,
	createRequest,
	expectAllSynced,
	localRequest,
	signIn,
	signInAdmin,
	tag
} from './support';

async function fillSignIn(page: Page, agent: { email: string; password: string }) {
	await page.getByLabel('Email').fill(agent.email);
	await page.getByLabel('Password').fill(agent.password);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

test('an agent sets up an authenticator app, then signs in with a code and with a recovery code', async ({
	page,
	request
}) => {
	const admin = await signInAdmin(request);
	const agent = await createAgent(admin, 'TwoStep');
	await signIn(page, agent);

	await page.getByRole('link', { name: 'Account' }).click();
	await expect(page.getByRole('heading', { name: 'Account and security' })).toBeVisible();
	await expect(page.getByTestId('two-factor-status')).toHaveText(/^Off:/);
	await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
	await expect(
		page.getByRole('img', { name: 'QR code that adds Beckon to an authenticator app' })
	).toBeVisible();
	await expectAccessible(page, 'account: setting up an app');
	const secret = (await page.getByTestId('totp-secret').innerText()).replace(/\s/g, '');
	const key = base32Decode(secret);
	expect(key).toHaveLength(20);

	await page.getByLabel('Code').fill('000000');
	await page.getByRole('button', { name: 'Turn on' }).click();
	await expect(page.getByRole('alert')).toHaveText('That code is not right.');
	const enrolledAt = Date.now();
	await page.getByLabel('Code').fill(totp(key, enrolledAt));
	await page.getByRole('button', { name: 'Turn on' }).click();
	const codes = page.getByTestId('recovery-codes').getByRole('listitem');
	await expect(codes).toHaveCount(10);
	const recoveryCodes = await codes.allInnerTexts();
	await page.getByRole('button', { name: 'I have saved them' }).click();
	await expect(page.getByTestId('two-factor-status')).toHaveText(/Recovery codes left: 10\./);
	// The key is gone from the page once the app is set up, and the server never sends it again.
	await expect(page.getByTestId('totp-secret')).toHaveCount(0);
	expect(JSON.stringify(await admin.query('users.list'))).not.toContain(secret);

	// Signing in again takes the password, then the app's code (the next step's: a code is
	// accepted once).
	await page.getByRole('button', { name: 'Sign out' }).click();
	await fillSignIn(page, agent);
	await expect(page.getByRole('heading', { name: 'Two-step sign-in' })).toBeVisible();
	await expectAccessible(page, 'sign-in: the code');
	await page.getByLabel('Code').fill(totp(key, enrolledAt + 30_000));
	await page.getByRole('button', { name: 'Verify' }).click();
	// Signed in where the agent signed out: the account page.
	await expect(page.getByRole('heading', { name: 'Account and security' })).toBeVisible();

	// And with a recovery code instead of the app.
	await page.getByRole('button', { name: 'Sign out' }).click();
	await fillSignIn(page, agent);
	await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
	await page.getByLabel('Recovery code').fill(recoveryCodes[0]);
	await page.getByRole('button', { name: 'Verify' }).click();
	await expect(page.getByRole('heading', { name: 'Account and security' })).toBeVisible();
	await expect(page.getByTestId('two-factor-status')).toHaveText(/Recovery codes left: 9\./);

	// A spent recovery code does not sign in a second time.
	await page.getByRole('button', { name: 'Sign out' }).click();
	await fillSignIn(page, agent);
	await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
	await page.getByLabel('Recovery code').fill(recoveryCodes[0]);
	await page.getByRole('button', { name: 'Verify' }).click();
	await expect(page.getByRole('alert')).toHaveText('That code is not right.');
});

test('a device signed out from another one loses its data', async ({ browser, page, request }) => {
	const admin = await signInAdmin(request);
	const agent = await createAgent(admin, 'Devices');
	await signIn(page, agent);
	const id = await createRequest(page, { name: `Kept on the laptop ${tag()}` });
	await expectAllSynced(page);
	expect(await localRequest(page, id)).not.toBeNull();

	const phoneContext = await browser.newContext({ baseURL: test.info().project.use.baseURL });
	const phone = await phoneContext.newPage();
	await signIn(phone, agent);
	await phone.getByRole('link', { name: 'Account' }).click();
	const devices = phone.getByTestId('device-session');
	await expect(devices).toHaveCount(2);
	await expectAccessible(phone, 'account: signed-in devices');
	await expect(devices.filter({ hasText: 'This device' })).toHaveCount(1);
	const other = devices.filter({ hasNotText: 'This device' });
	await expect(other).toContainText('from 127.0.0.1');
	await other.getByRole('button', { name: 'Sign out' }).click();
	await expect(devices).toHaveCount(1);

	// The laptop hears it at its next call: its data is wiped and it asks to sign in again.
	await page.evaluate(() => window.dispatchEvent(new Event('focus')));
	await expect(page.getByRole('heading', { name: 'Sign in to Beckon' })).toBeVisible({
		timeout: 10_000
	});
	await expect(page.getByText('Your session ended')).toBeVisible();
	expect(await localRequest(page, id)).toBeNull();
	// The phone stays signed in.
	await phone.reload();
	await expect(phone.getByRole('heading', { name: 'Account and security' })).toBeVisible();
	await phoneContext.close();
});

test('where the organisation requires it, an agent without an app sets one up at sign-in', async ({
	page,
	request
}) => {
	const admin = await signInAdmin(request);
	const agent = await createAgent(admin, 'Required');
	// The admin's session stays: the requirement applies from the next sign-in.
	await admin.mutate('settings.update', { twoFactorRequired: 'everyone' });
	try {
		await page.goto('/');
		await fillSignIn(page, agent);
		await expect(page.getByText('Your organisation requires two-step sign-in.')).toBeVisible();
		const secret = (await page.getByTestId('totp-secret').innerText()).replace(/\s/g, '');
		await page.getByLabel('Code').fill(totp(base32Decode(secret), Date.now()));
		await page.getByRole('button', { name: 'Turn on' }).click();
		await expect(page.getByTestId('recovery-codes').getByRole('listitem')).toHaveCount(10);
		await page.getByRole('button', { name: 'I have saved them' }).click();
		await expect(page.getByRole('heading', { name: 'Session Requests' })).toBeVisible();
		const listed = (await admin.query('users.list')).find((u: { id: string }) => u.id === agent.id);
		expect(listed.twoFactorEnabled).toBe(true);
	} finally {
		await admin.mutate('settings.update', { twoFactorRequired: 'off' });
	}
});
