/**
 * The request list is the agent app's first screen and shows without the code that only changes
 * need (README, Performance row 7): the mutators, with the domain plans and the argument schemas
 * (zod), load once the list shows. A change made before they have loaded waits for them; the
 * agent sees no error.
 */
import { expect, test, type Route } from '@playwright/test';
import {
	createAgent,
	detail,
	expectAllSynced,
	rowByName,
	serverRequestsNamed,
	signIn,
	signInAdmin,
	tag
} from './support';

// No service worker: the chunks come from the network, where the test can hold them up.
test.use({ serviceWorkers: 'block' });

/** Text only zod's chunk holds (its English messages). */
const ZOD_MARKER = 'Invalid input';
/** Text only the mutators' chunk holds (a refusal of theirs). */
const MUTATORS_MARKER = 'is not a request on this device';

test('the list shows the stored rows before zod loads, and "New request" clicked at once works', async ({
	page,
	request
}) => {
	const admin = await signInAdmin(request);
	const agent = await createAgent(admin, 'Zoe');
	const t = tag();
	for (const name of [`Early ${t} one`, `Early ${t} two`]) {
		await admin.mutate('requests.create', {
			recipientName: name,
			assignment: { kind: 'agent', userId: agent.id }
		});
	}
	await signIn(page, agent);
	await expect(rowByName(page, `Early ${t} two`)).toBeVisible();

	// From the next start on, the script that holds zod is held until the test lets it go.
	let release: () => void = () => undefined;
	const held = new Promise<void>((resolve) => (release = resolve));
	let zodRequested = false;
	await page.route(
		(url) => url.pathname.startsWith('/_app/immutable/') && url.pathname.endsWith('.js'),
		async (route: Route) => {
			const response = await route.fetch();
			const body = await response.text();
			if (body.includes(ZOD_MARKER)) {
				zodRequested = true;
				await held;
			}
			await route.fulfill({ response, body });
		}
	);
	await page.reload();

	// The device's rows, readable and searchable, while zod has not arrived.
	await expect(rowByName(page, `Early ${t} one`)).toBeVisible();
	await expect(rowByName(page, `Early ${t} two`)).toBeVisible();
	await page.getByLabel('Search').fill(`${t} one`);
	await expect(page.getByTestId('request-row')).toHaveCount(1);
	await expect(rowByName(page, `Early ${t} one`)).toBeVisible();
	await page.getByLabel('Search').fill('');
	// It was asked for once the list showed (AgentApp.afterFirstScreen), and is still held.
	await expect.poll(() => zodRequested).toBe(true);

	// "New request" now: the form waits for its code, then works as ever.
	await page.getByRole('button', { name: 'New request' }).click();
	release();
	const form = page.getByRole('form', { name: 'New session request' });
	const name = `Early ${t} three`;
	await form.getByLabel('Recipient name').fill(name);
	await form.getByRole('button', { name: 'Create request' }).click();
	await expect(detail(page).getByRole('heading', { name })).toBeVisible();
	await expect(rowByName(page, name)).toBeVisible();
	await expectAllSynced(page);
	expect((await serverRequestsNamed(admin, name)).map((r) => r.recipientName)).toEqual([name]);
	await expect(page.getByRole('alert')).toHaveCount(0);
});

test('a status change made before the mutators have loaded is applied once they have', async ({
	page,
	request
}) => {
	const admin = await signInAdmin(request);
	const agent = await createAgent(admin, 'Uma');
	const name = `Close early ${tag()}`;
	const stored = await admin.mutate('requests.create', {
		recipientName: name,
		assignment: { kind: 'agent', userId: agent.id }
	});
	await signIn(page, agent);
	await expect(rowByName(page, name)).toBeVisible();

	// After the reload, the mutators' own chunk is held (zod and the detail pane are not).
	let release: () => void = () => undefined;
	const held = new Promise<void>((resolve) => (release = resolve));
	let holding = true;
	let mutatorsRequested = false;
	await page.route(
		(url) => url.pathname.startsWith('/_app/immutable/') && url.pathname.endsWith('.js'),
		async (route: Route) => {
			const response = await route.fetch();
			const body = await response.text();
			if (holding && body.includes(MUTATORS_MARKER)) {
				mutatorsRequested = true;
				await held;
			}
			await route.fulfill({ response, body });
		}
	);
	await page.reload();
	await expect(rowByName(page, name)).toBeVisible();
	await rowByName(page, name).getByRole('button').click();
	const pane = detail(page);
	await expect(pane.getByRole('heading', { name })).toBeVisible();
	await expect.poll(() => mutatorsRequested).toBe(true);
	await pane.getByRole('button', { name: 'Close request' }).click();
	holding = false;
	release();
	await expect(rowByName(page, name)).toHaveAttribute('data-status', 'closed');
	await expect(pane.getByRole('button', { name: 'Reopen' })).toBeVisible();
	await expectAllSynced(page);
	const [onServer] = await serverRequestsNamed(admin, name);
	expect(onServer).toMatchObject({ id: stored.id, status: 'closed' });
	await expect(page.getByRole('alert')).toHaveCount(0);
});
