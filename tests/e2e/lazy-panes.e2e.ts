/**
 * The panes the request list does not need are loaded on first use (README, Performance row 7).
 * While one loads the agent sees a light placeholder; when loading fails (the network dropped
 * before the service worker took control) the agent is told and can try again. A dialog loaded
 * this way handles focus as one that was there from the start.
 */
import { expect, test, type Route } from '@playwright/test';
import { expectAccessible } from './a11y';
import { createAgent, detail, rowById, signIn, signInAdmin, tag } from './support';

// No service worker: the chunks come from the network, where the test can hold them up.
test.use({ serviceWorkers: 'block' });

test('a pane that is slow or fails to load shows a placeholder, then offers to try again', async ({
	page,
	request
}) => {
	const admin = await signInAdmin(request);
	const agent = await createAgent(admin, 'Xia');
	const name = `Lazy ${tag()}`;
	const stored = await admin.mutate('requests.create', {
		recipientName: name,
		assignment: { kind: 'agent', userId: agent.id }
	});
	await signIn(page, agent);
	await expect(rowById(page, stored.id)).toBeVisible();

	// From here on every script is a pane's; the first attempt is held, then cut off.
	let release: () => void = () => undefined;
	const held = new Promise<void>((resolve) => (release = resolve));
	let failing = true;
	await page.route(
		(url) => url.pathname.startsWith('/_app/immutable/') && url.pathname.endsWith('.js'),
		async (route: Route) => {
			if (!failing) return route.fallback();
			await held;
			await route.abort('internetdisconnected');
		}
	);

	await rowById(page, stored.id).getByRole('button').click();
	await expect(page.getByRole('status').filter({ hasText: 'Loading the request…' })).toBeVisible();
	await expectAccessible(page, 'pane loading');
	release();
	const failure = page.getByRole('alert').filter({ hasText: 'Could not load the request' });
	await expect(failure).toBeVisible();
	await expectAccessible(page, 'pane failed');

	failing = false;
	await failure.getByRole('button', { name: 'Try again' }).click();
	await expect(detail(page).getByRole('heading', { name })).toBeVisible();
	await expect(page.getByTestId('pane-loading')).toHaveCount(0);
});

test('the create dialog, loaded at its first opening, moves focus in and back as before', async ({
	page,
	request
}) => {
	const admin = await signInAdmin(request);
	const agent = await createAgent(admin, 'Yan');
	await signIn(page, agent);
	const newRequest = page.getByRole('button', { name: 'New request' });
	const form = page.getByRole('form', { name: 'New session request' });
	const focusInForm = () => form.evaluate((f) => f.contains(document.activeElement));

	// The first opening loads the dialog; the second finds it loaded.
	for (let opening = 1; opening <= 2; opening++) {
		await newRequest.focus();
		await page.keyboard.press('Enter');
		await expect(form).toBeVisible();
		await expect.poll(focusInForm).toBe(true);
		await page.keyboard.press('Escape');
		await expect(form).toHaveCount(0);
		await expect(newRequest).toBeFocused();
	}
});
