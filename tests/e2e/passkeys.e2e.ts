/**
 * Passkeys in the agent app (issue 19), in Chromium with its virtual authenticator (CDP
 * `WebAuthn.addVirtualAuthenticator`): an agent adds a passkey on the account screen, renames
 * it, signs out and signs in with the passkey alone; then uses it as the second step after the
 * password.
 *
 * WebAuthn takes domain names only, never IP addresses, and the RP id comes from the public URL;
 * the suite's server is public at http://127.0.0.1:…, so this file starts its own built server
 * public at http://localhost:… (a secure context over plain http) and signs in there.
 */
import { expect, request as playwrightRequest, test, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectAccessible } from './a11y';
import { ADMIN, connectivity, createAgent, signInAdmin, type Agent } from './support';

const port = 40000 + Math.floor(Math.random() * 10000);
const origin = `http://localhost:${port}`;
let server: ChildProcess;
let dataDir: string;

test.beforeAll(async () => {
	dataDir = mkdtempSync(join(tmpdir(), 'beckon-passkeys-e2e-'));
	server = spawn(process.execPath, ['bin/beckon.js', 'serve'], {
		env: {
			...process.env,
			PORT: String(port),
			HOST: '127.0.0.1',
			BECKON_DATA_DIR: dataDir,
			BECKON_PUBLIC_URL: origin,
			BECKON_ADMIN_EMAIL: ADMIN.email,
			BECKON_ADMIN_PASSWORD: ADMIN.password
		},
		stdio: 'ignore'
	});
	await expect
		.poll(
			async () => {
				try {
					return (await fetch(`http://127.0.0.1:${port}/healthz`)).status;
				} catch {
					return 0;
				}
			},
			{ timeout: 30_000 }
		)
		.toBe(200);
});

test.afterAll(async () => {
	const exited = new Promise((resolve) => server.once('exit', resolve));
	server.kill('SIGTERM');
	await exited;
	rmSync(dataDir, { recursive: true, force: true });
});

async function newAgent(): Promise<Agent> {
	const context = await playwrightRequest.newContext({ baseURL: origin });
	const agent = await createAgent(await signInAdmin(context), 'Passkey');
	await context.dispose();
	return agent;
}

/** A platform authenticator that holds discoverable credentials and verifies its user. */
async function addVirtualAuthenticator(page: Page) {
	const cdp = await page.context().newCDPSession(page);
	await cdp.send('WebAuthn.enable');
	const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
		options: {
			protocol: 'ctap2',
			transport: 'internal',
			hasResidentKey: true,
			hasUserVerification: true,
			isUserVerified: true,
			automaticPresenceSimulation: true
		}
	});
	const credentials = async () =>
		(await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
	return { credentials };
}

async function signInWithPassword(page: Page, agent: Agent) {
	await page.goto(`${origin}/`);
	await page.getByLabel('Email').fill(agent.email);
	await page.getByLabel('Password').fill(agent.password);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

test('an agent adds a passkey on the account screen, then signs in with it alone and as the second step', async ({
	page
}) => {
	const agent = await newAgent();
	const authenticator = await addVirtualAuthenticator(page);
	await signInWithPassword(page, agent);
	await expect(connectivity(page)).toHaveText('Online');

	await page.getByRole('link', { name: 'Account' }).click();
	const section = page.getByRole('region', { name: 'Passkeys' });
	await expect(section.getByTestId('passkeys-none')).toHaveText('You have no passkeys yet.');
	await section.getByLabel('Passkey name').fill('Work laptop');
	await section.getByRole('button', { name: 'Add a passkey' }).click();
	const listed = section.getByTestId('passkey');
	await expect(listed).toHaveCount(1);
	await expect(listed).toContainText('Work laptop');
	await expect(listed).toContainText('never used');
	await expectAccessible(page, 'account: passkeys');
	// The authenticator holds it, discoverable, for this site's RP id.
	const [credential] = await authenticator.credentials();
	expect(credential).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });

	await listed.getByRole('button', { name: 'Rename: Work laptop' }).click();
	await listed.getByLabel('Passkey name').fill('Desk laptop');
	await listed.getByRole('button', { name: 'Save' }).click();
	await expect(listed).toContainText('Desk laptop');

	// Signed out, the passkey alone signs back in: no email, no password.
	await page.getByRole('button', { name: 'Sign out' }).click();
	await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
	await expect(page.getByRole('heading', { name: 'Account and security' })).toBeVisible();
	await expect(connectivity(page)).toHaveText('Online');
	await expect(section.getByTestId('passkey')).toContainText(/last used/);

	// With a passkey, the password is followed by a second step the passkey makes.
	await page.getByRole('button', { name: 'Sign out' }).click();
	await page.getByLabel('Email').fill(agent.email);
	await page.getByLabel('Password').fill(agent.password);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await expect(page.getByRole('heading', { name: 'Two-step sign-in' })).toBeVisible();
	await expect(page.getByText('Confirm it is you with one of your passkeys.')).toBeVisible();
	await expectAccessible(page, 'sign-in: a passkey as the second step');
	await page.getByRole('button', { name: 'Use a passkey' }).click();
	await expect(page.getByRole('heading', { name: 'Account and security' })).toBeVisible();
});

test('where a second factor is required, an agent without one adds a passkey at sign-in', async ({
	page
}) => {
	const context = await playwrightRequest.newContext({ baseURL: origin });
	const admin = await signInAdmin(context);
	const agent = await createAgent(admin, 'Enrol');
	await admin.mutate('settings.update', { twoFactorRequired: 'everyone' });
	try {
		const authenticator = await addVirtualAuthenticator(page);
		await signInWithPassword(page, agent);
		await expect(page.getByRole('heading', { name: 'Two-step sign-in' })).toBeVisible();
		await page.getByRole('button', { name: 'Add a passkey instead' }).click();
		await expect(connectivity(page)).toHaveText('Online');
		expect(await authenticator.credentials()).toHaveLength(1);
		await page.getByRole('link', { name: 'Account' }).click();
		await expect(page.getByRole('region', { name: 'Passkeys' }).getByTestId('passkey')).toHaveCount(
			1
		);
	} finally {
		await admin.mutate('settings.update', { twoFactorRequired: 'off' });
		await context.dispose();
	}
});
