/**
 * Single sign-on in Chromium (issue 19): the admin sets up a real OpenID provider (oidc-provider,
 * started by the test on 127.0.0.1) in the Single sign-on tab and tests it; an agent unknown to
 * Beckon signs in through the provider's own pages and is created just in time; signing out
 * offers the provider's sign-out; an email the provider has not verified is refused with the
 * reason shown on the sign-in page. SSO is turned off again at the end: the server is shared.
 */
import { expect, test, type Page } from '@playwright/test';
import { startOidcProvider, type TestProvider } from '../support/oidc-provider';
import { expectAccessible } from './a11y';
import { base32Decode, totp } from '../../src/server/totp';
import { ADMIN, Api, connectivity, createAgent, tag } from './support';

const baseURL = `http://127.0.0.1:${process.env.E2E_PORT}`;
let provider: TestProvider;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
	provider = await startOidcProvider({
		redirectUri: `${baseURL}/auth/oidc/callback`,
		postLogoutRedirectUri: `${baseURL}/`
	});
});

test.afterAll(async ({ playwright }) => {
	const request = await playwright.request.newContext({ baseURL });
	const admin = new Api(request);
	await admin.mutate('auth.login', ADMIN);
	await admin.mutate('sso.update', { enabled: false, ssoOnly: false });
	await request.dispose();
	await provider?.close();
});

/** The provider's development login and consent pages, as a person goes through them. */
async function signInAtProvider(page: Page, login: string) {
	await expect(page).toHaveURL(new RegExp(`^${provider.issuer}/`));
	await page.locator('input[name="login"]').fill(login);
	await page.locator('input[name="password"]').fill('any password');
	await page.getByRole('button', { name: 'Sign-in' }).click();
	await page.getByRole('button', { name: 'Continue' }).click();
}

test('the admin sets SSO up; an unknown agent signs in through the provider, created just in time', async ({
	page,
	request
}) => {
	await page.goto('/');
	await page.getByLabel('Email').fill(ADMIN.email);
	await page.getByLabel('Password').fill(ADMIN.password);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await page.getByRole('link', { name: 'Admin' }).click();
	await page.getByRole('tab', { name: 'Single sign-on' }).click();
	const panel = page.getByTestId('sso-panel');
	await expect(panel.getByTestId('sso-redirect-uri')).toHaveText(`${baseURL}/auth/oidc/callback`);
	await panel.getByLabel('Issuer URL').fill(provider.issuer);
	await panel.getByLabel('Client ID').fill(provider.clientId);
	await panel.getByLabel('Client secret').fill('a wrong secret');
	await panel.getByRole('button', { name: 'Test the provider' }).click();
	await expect(panel.getByTestId('sso-test-result')).toContainText(
		'The provider refused the client ID or secret.'
	);
	await panel.getByLabel('Client secret').fill(provider.clientSecret);
	await panel.getByRole('button', { name: 'Test the provider' }).click();
	await expect(panel.getByTestId('sso-test-result')).toContainText(
		'The provider answers and accepts the client.'
	);
	await panel.getByLabel('Button label').fill('Acme ID');
	await panel.getByLabel('Offer single sign-on on the sign-in page').check();
	await panel.getByLabel('Create an account at first sign-in').check();
	await panel.getByLabel('Permission of new accounts').selectOption('view');
	await panel.getByRole('button', { name: 'Save single sign-on' }).click();
	await expect(panel.getByText('Single sign-on settings saved.')).toBeVisible();
	// The secret is never shown back: the field is empty, with a note that one is stored.
	await page.reload();
	await page.getByRole('tab', { name: 'Single sign-on' }).click();
	await expect(panel.getByLabel('Client secret')).toHaveValue('');
	await expect(panel).toContainText('A secret is stored; it is never shown.');
	await expectAccessible(page, 'admin: single sign-on');
	await page.getByRole('button', { name: 'Sign out' }).click();

	// An agent Beckon has never heard of signs in through the provider.
	const id = tag();
	const email = `sso-${id}@acme.example`;
	provider.addAccount({ sub: `sso-${id}`, email, emailVerified: true, name: `Sso Agent ${id}` });
	await page.getByRole('button', { name: 'Sign in with Acme ID' }).click();
	await signInAtProvider(page, `sso-${id}`);
	await expect(connectivity(page)).toHaveText('Online');
	await expect(page.getByTestId('last-synced')).not.toHaveText('Never synced', { timeout: 10_000 });
	expect(new URL(page.url()).hash).toBe('');
	const admin = new Api(request);
	await admin.mutate('auth.login', ADMIN);
	const created = (await admin.query('users.list')).find(
		(u: { email: string }) => u.email === email
	);
	expect(created).toMatchObject({ name: `Sso Agent ${id}`, role: 'agent', permission: 'view' });

	// Signing out of Beckon offers the provider's sign-out too.
	await page.getByRole('button', { name: 'Sign out' }).click();
	const endSession = page.getByRole('link', { name: 'Also sign out of Acme ID' });
	await expect(endSession).toHaveAttribute('href', new RegExp(`^${provider.issuer}/session/end`));
	await expectAccessible(page, 'sign-in: single sign-on');
});

test('an email the provider has not verified is refused, with the reason on the sign-in page', async ({
	page,
	request
}) => {
	const id = tag();
	const email = `unverified-${id}@acme.example`;
	provider.addAccount({ sub: `unverified-${id}`, email, emailVerified: false });
	await page.goto('/');
	await page.getByRole('button', { name: 'Sign in with Acme ID' }).click();
	await signInAtProvider(page, `unverified-${id}`);
	await expect(page.getByTestId('sso-error')).toHaveText(
		'Your email address is not verified by the sign-in provider, so Beckon cannot sign you in with it.'
	);
	// Still on the sign-in page, with no account made and the reason gone from the address.
	await expect(page.getByLabel('Password')).toBeVisible();
	expect(new URL(page.url()).search).toBe('');
	const admin = new Api(request);
	await admin.mutate('auth.login', ADMIN);
	const users = await admin.query('users.list');
	expect(users.some((u: { email: string }) => u.email === email)).toBe(false);
});

test('an agent with an authenticator app signs in through the provider, then gives a code', async ({
	page,
	request,
	playwright
}) => {
	const admin = new Api(request);
	await admin.mutate('auth.login', ADMIN);
	const agent = await createAgent(admin, 'SsoTwoStep');
	// The agent sets up an app on their own (API) session.
	const own = await playwright.request.newContext({ baseURL });
	const api = new Api(own);
	await api.mutate('auth.login', { email: agent.email, password: agent.password });
	const { secret } = await api.mutate('auth.beginTwoFactor', {});
	const key = base32Decode(secret);
	const enrolledAt = Date.now();
	await api.mutate('auth.confirmTwoFactor', { code: totp(key, enrolledAt) });
	await own.dispose();

	const id = tag();
	provider.addAccount({ sub: `two-step-${id}`, email: agent.email, emailVerified: true });
	await page.goto('/');
	await page.getByRole('button', { name: 'Sign in with Acme ID' }).click();
	await signInAtProvider(page, `two-step-${id}`);
	// Back in Beckon, the second step as after a password; the token is gone from the address.
	await expect(page.getByRole('heading', { name: 'Two-step sign-in' })).toBeVisible();
	expect(new URL(page.url()).hash).toBe('');
	await page.getByLabel('Code').fill(totp(key, enrolledAt + 30_000));
	await page.getByRole('button', { name: 'Verify' }).click();
	await expect(connectivity(page)).toHaveText('Online');
	await expect(page.getByTestId('last-synced')).not.toHaveText('Never synced', { timeout: 10_000 });
});
