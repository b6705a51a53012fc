/**
 * The agent's alerts (issue 18, items 1 and 2): with notification permission granted, a request
 * assigned to the agent shows a toast; with the app in the background, the end user opening the
 * link makes the agent's app show a system notification through its service worker (one per
 * request, tagged), the title's count of requests waiting on the agent rises, and the toast opens
 * the request.
 */
import { expect, test, type Page } from '@playwright/test';
import { createAgent, detail, signIn, signInAdmin, tag, waitForOfflineReady } from './support';

interface ShownNotification {
	title: string;
	body: string;
	tag: string;
	data: { requestId?: string } | null;
}

const notifications = (page: Page) =>
	page.evaluate(async () => {
		const registration = await navigator.serviceWorker.getRegistration();
		const shown = (await registration?.getNotifications()) ?? [];
		return shown.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data }));
	}) as Promise<ShownNotification[]>;

/** The document hidden and without focus (another window in front), or back again. */
async function setHidden(page: Page, hidden: boolean) {
	await page.evaluate((hidden) => {
		const doc = document as unknown as Record<string, unknown>;
		if (hidden) {
			Object.defineProperty(document, 'visibilityState', {
				configurable: true,
				get: () => 'hidden'
			});
			Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
			doc.hasFocus = () => false;
		} else {
			delete doc.visibilityState;
			delete doc.hidden;
			delete doc.hasFocus;
		}
		document.dispatchEvent(new Event('visibilitychange'));
		window.dispatchEvent(new Event(hidden ? 'blur' : 'focus'));
	}, hidden);
}

test('the end user opening the link shows a notification through the service worker and raises the count', async ({
	browser,
	request
}) => {
	const admin = await signInAdmin(request);
	const ada = await createAgent(admin, 'Ada');
	const context = await browser.newContext();
	await context.grantPermissions(['notifications']);
	const endUser = await browser.newContext();
	try {
		const page = await context.newPage();
		await signIn(page, ada);
		await waitForOfflineReady(page);
		await expect(page).toHaveTitle('Beckon · Session Requests');

		// The settings say notifications are on: the permission was asked for (here: granted)
		// from the settings, never on load.
		await page.getByTestId('notifications-button').click();
		const settings = page.getByTestId('notification-settings');
		await expect(settings).toContainText('System notifications are on');
		await expect(settings.getByRole('checkbox', { name: /opens the link/ })).toBeChecked();
		await expect(settings.getByRole('checkbox', { name: /short sound/ })).not.toBeChecked();
		await settings.getByRole('button', { name: 'Close' }).click();
		await expect(settings).toBeHidden();

		// A colleague assigns her a request: a toast names it, with an action to open it.
		const name = `Lucía ${tag()}`;
		const created = await admin.mutate('requests.create', {
			recipientName: `${name} Pérez`,
			assignment: { kind: 'agent', userId: ada.id }
		});
		const toast = page.locator(`[data-testid="toasts"] [data-request-id="${created.id}"]`);
		await expect(toast).toContainText(`The request for ${name.split(' ')[0]} was assigned to you`, {
			timeout: 10_000
		});
		await toast.getByRole('button', { name: 'Dismiss' }).click();
		await expect(toast).toHaveCount(0);

		// Ada turns to another window: the app is hidden. (Playwright keeps every page focused and
		// visible, so the page is told so as a browser tells it: the document's state, an event.)
		await setHidden(page, true);

		// The end user opens the link.
		const endUserPage = await endUser.newPage();
		await endUserPage.goto(created.link);
		await expect
			.poll(async () => (await admin.query('requests.get', { id: created.id })).status)
			.toBe('waiting');

		await expect
			.poll(() => notifications(page), { timeout: 15_000 })
			.toEqual([
				{
					title: `${name.split(' ')[0]} opened the link and is waiting`,
					body: 'Open the request in Beckon.',
					tag: `request-${created.id}`,
					data: { requestId: created.id }
				}
			]);
		await expect(page).toHaveTitle('(1) Beckon · Session Requests');
		await expect(page.getByTestId('notifications-button')).toContainText('1');

		// Back in the app: the toast opens the request.
		await setHidden(page, false);
		await page
			.locator(`[data-testid="toasts"] [data-request-id="${created.id}"]`)
			.getByRole('button', { name: 'Open' })
			.click();
		await expect(detail(page)).toContainText(name);
	} finally {
		await endUser.close();
		await context.close();
	}
});

test('a Web Push message becomes a notification in the browser’s language, one per request', async ({
	browser,
	request,
	baseURL
}) => {
	const admin = await signInAdmin(request);
	const ada = await createAgent(admin, 'Ada');
	const context = await browser.newContext({ locale: 'es-ES' });
	await context.grantPermissions(['notifications']);
	try {
		const page = await context.newPage();
		// The whole app speaks the browser's Spanish, its sign-in too.
		await page.goto('/');
		await page.getByLabel('Correo electrónico').fill(ada.email);
		await page.getByLabel('Contraseña').fill(ada.password);
		await page.getByRole('button', { name: 'Iniciar sesión', exact: true }).click();
		await expect(page.getByTestId('connectivity')).toHaveText('En línea');
		await waitForOfflineReady(page);
		const cdp = await context.newCDPSession(page);
		const registrationId = new Promise<string>((resolve) =>
			cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
				const ours = registrations.find((r) => r.scopeURL === `${baseURL}/` && !r.isDeleted);
				if (ours) resolve(ours.registrationId);
			})
		);
		await cdp.send('ServiceWorker.enable');
		const id = await registrationId;

		// The app is closed: only the service worker is left to hear the push service.
		await page.goto('about:blank');
		const requestId = '01890a5d-ac96-774b-bcce-b302099a8057';
		const push = (status: string, kind: string) =>
			cdp.send('ServiceWorker.deliverPushMessage', {
				origin: baseURL!,
				registrationId: id,
				data: JSON.stringify({
					requestId,
					status,
					kind,
					firstName: 'Lucía',
					tag: `request-${requestId}`
				})
			});
		await push('waiting', 'waiting');
		await push('ready', 'ready');

		await page.goto('/');
		// The second push replaced the first: one notification for the request.
		await expect
			.poll(() => notifications(page))
			.toEqual([
				{
					title: 'Lucía permitió la sesión: ya puede empezar',
					body: 'Abra la solicitud en Beckon.',
					tag: `request-${requestId}`,
					data: { requestId }
				}
			]);
	} finally {
		await context.close();
	}
});
