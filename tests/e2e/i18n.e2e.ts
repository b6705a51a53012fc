/**
 * The agent and admin app in the agent's language (issue 18, item 4). A browser that prefers
 * Spanish gets the whole app in Spanish — sign-in, requests list, the create dialog and its
 * validation, a request's detail, relative times (Intl), admin and account — with screenshots at
 * 390×844 and 1280×800 as artifacts. A user who picks German on the account screen sees German
 * after a reload and on another device, though both browsers prefer Spanish.
 */
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { createAgent, detail, rowByName, signInAdmin, tag, waitForOfflineReady } from './support';

test.use({ locale: 'es-ES', viewport: { width: 1280, height: 800 } });

const SIZES = [
	{ width: 390, height: 844 },
	{ width: 1280, height: 800 }
];

/** The screen at both sizes, written to the test's output folder (test-results/). */
async function screenshots(page: Page, testInfo: TestInfo, name: string) {
	for (const size of SIZES) {
		await page.setViewportSize(size);
		const path = testInfo.outputPath(`${name}-${size.width}x${size.height}.png`);
		await page.screenshot({ path, fullPage: true });
		await testInfo.attach(`${name} ${size.width}×${size.height}`, {
			path,
			contentType: 'image/png'
		});
	}
	await page.setViewportSize(SIZES[1]);
}

async function signInSpanish(page: Page, user: { email: string; password: string }) {
	await page.goto('/');
	await expect(page.getByRole('heading', { name: 'Iniciar sesión en Beckon' })).toBeVisible();
	await page.getByLabel('Correo electrónico').fill(user.email);
	await page.getByLabel('Contraseña').fill(user.password);
	await page.getByRole('button', { name: 'Iniciar sesión', exact: true }).click();
}

test('a Spanish browser sees the whole app in Spanish', async ({ page, request }, testInfo) => {
	const admin = await signInAdmin(request);
	const id = tag();
	const password = `password-${id}`;
	const { user } = await admin.mutate('users.create', {
		email: `admin-es-${id}@example.com`,
		name: `Ana ${id}`,
		password,
		role: 'admin',
		permission: 'edit'
	});

	// Sign-in: a wrong password is refused in Spanish, not with the server's English.
	await signInSpanish(page, { email: user.email, password: 'not-the-password' });
	await expect(page.getByRole('alert')).toHaveText('Correo o contraseña incorrectos.');
	await screenshots(page, testInfo, 'sign-in');
	await page.getByLabel('Contraseña').fill(password);
	await page.getByRole('button', { name: 'Iniciar sesión', exact: true }).click();

	// The requests list.
	await expect(page.getByRole('heading', { name: 'Solicitudes de sesión' })).toBeVisible();
	await expect(page.locator('html')).toHaveAttribute('lang', 'es');
	await expect(page.getByTestId('connectivity')).toHaveText('En línea');
	await expect(page.getByTestId('last-synced')).toContainText('Sincronizado', {
		timeout: 10_000
	});
	await expect(page.getByTestId('pending-count')).toHaveText('0 cambios pendientes');
	await expect(page.getByRole('navigation')).toContainText('Solicitudes');
	await expect(page.getByRole('button', { name: 'Cerrar sesión' })).toBeVisible();
	await expect(page.getByLabel('Estado')).toContainText('Todos los estados');
	await expect(page).toHaveTitle('Beckon · Solicitudes de sesión');
	for (const english of ['Session Requests', 'New request', 'Sign out', 'Search', 'Never synced']) {
		await expect(page.getByText(english, { exact: true })).toHaveCount(0);
	}

	// The create dialog, its validation in Spanish, then a request.
	await page.getByRole('button', { name: 'Nueva solicitud' }).click();
	const form = page.getByRole('form', { name: 'Nueva solicitud de sesión' });
	await form.getByRole('button', { name: 'Crear solicitud' }).click();
	await expect(form.locator('#err-recipientName')).toHaveText('es obligatorio');
	await expect(form.getByLabel('Asignar a')).toBeVisible();
	await screenshots(page, testInfo, 'create');
	const name = `Rosa ${id}`;
	await form.getByLabel('Nombre del destinatario').fill(name);
	await form.getByRole('button', { name: 'Crear solicitud' }).click();

	// The detail: labels, status, relative times and the timeline in Spanish.
	const pane = detail(page);
	await expect(pane.getByRole('heading', { name })).toBeVisible();
	await expect(pane.locator('[data-status]').first()).toHaveText(/Abierta/);
	await expect(pane).toContainText('Asignada a');
	await expect(pane).toContainText('Caduca');
	await expect(pane.getByRole('button', { name: 'Cerrar solicitud' })).toBeVisible();
	await expect(pane.getByRole('heading', { name: 'Historial' })).toBeVisible();
	await expect(pane).toContainText('creó la solicitud', { timeout: 10_000 });
	await expect(pane).not.toContainText('Assigned to');
	await expect(rowByName(page, name)).toContainText('Caduca dentro de 7 días');
	await screenshots(page, testInfo, 'request');

	// Admin.
	await page.getByRole('link', { name: 'Administración' }).click();
	await expect(page.getByRole('heading', { name: 'Administración', level: 1 })).toBeVisible();
	await expect(page.getByRole('tab', { name: 'Usuarios' })).toBeVisible();
	await expect(page.getByRole('tab', { name: 'Colas' })).toBeVisible();
	await expect(page.getByRole('heading', { name: 'Añadir un usuario' })).toBeVisible();
	await expect(page.getByRole('columnheader', { name: 'Permiso' })).toBeVisible();
	await expect(page.getByText('Add a user')).toHaveCount(0);
	await screenshots(page, testInfo, 'admin');
	await page.getByRole('tab', { name: 'Ajustes' }).click();
	await expect(page.getByRole('button', { name: 'Guardar ajustes' })).toBeVisible();

	// Account.
	await page.getByRole('link', { name: 'Cuenta' }).click();
	await expect(page).toHaveTitle('Beckon · Cuenta');
	await expect(page.getByRole('heading', { name: 'Idioma' })).toBeVisible();
	await expect(page.getByTestId('language-select')).toHaveValue('');
	await screenshots(page, testInfo, 'account');
});

test('a user who chooses German sees German on every device, though the browser is Spanish', async ({
	page,
	browser,
	request
}) => {
	const admin = await signInAdmin(request);
	const agent = await createAgent(admin, 'Jonas');
	await signInSpanish(page, agent);
	await expect(page.getByRole('heading', { name: 'Solicitudes de sesión' })).toBeVisible();

	await page.goto('/account');
	await page.getByTestId('language-select').selectOption('de');
	await page.getByRole('button', { name: 'Guardar idioma' }).click();
	// The app reloads in German.
	await expect(page.getByRole('heading', { name: 'Sprache' })).toBeVisible();
	await expect(page.getByTestId('language-select')).toHaveValue('de');
	await expect(page).toHaveTitle('Beckon · Konto');
	await page.reload();
	await expect(page.getByRole('heading', { name: 'Sprache' })).toBeVisible();
	await page.getByRole('link', { name: 'Anfragen' }).click();
	await expect(page.getByRole('heading', { name: 'Sitzungsanfragen' })).toBeVisible();
	await expect(page.getByRole('button', { name: 'Neue Anfrage' })).toBeVisible();
	await expect(page.getByText('Solicitudes de sesión')).toHaveCount(0);

	// Kept on the server, for the user's other devices.
	const users = await admin.query('users.list');
	expect(users.find((u: { id: string }) => u.id === agent.id)?.language).toBe('de');
	const other = await browser.newContext({ locale: 'es-ES' });
	const tablet = await other.newPage();
	await signInSpanish(tablet, agent);
	await expect(tablet.getByRole('heading', { name: 'Sitzungsanfragen' })).toBeVisible();

	// Back to the browser's language.
	await tablet.goto('/account');
	await tablet.getByTestId('language-select').selectOption('');
	await tablet.getByRole('button', { name: 'Sprache speichern' }).click();
	await expect(tablet.getByRole('heading', { name: 'Idioma' })).toBeVisible();
	await other.close();
});

test('offline, the app starts in its language, and in the one the agent switches to', async ({
	page,
	context,
	request
}) => {
	// The browser loads only its language's messages (README, Performance row 7); the service
	// worker holds every language's, so a reload with no network still speaks the agent's.
	const admin = await signInAdmin(request);
	const agent = await createAgent(admin, 'Lea');
	const scripts: Promise<string>[] = [];
	page.on('response', (response) => {
		if (response.url().endsWith('.js')) scripts.push(response.text().catch(() => ''));
	});
	await signInSpanish(page, agent);
	await expect(page.getByRole('heading', { name: 'Solicitudes de sesión' })).toBeVisible();
	await waitForOfflineReady(page);
	// The page's scripts carry its Spanish, and none of the other languages' words.
	const loaded = (await Promise.all(scripts)).join('\n');
	expect(loaded).toContain('Solicitudes de sesión');
	for (const other of ['Session Requests', 'Sitzungsanfragen', 'Demandes de session'])
		expect(loaded).not.toContain(other);

	await context.setOffline(true);
	await page.reload();
	await expect(page.getByRole('heading', { name: 'Solicitudes de sesión' })).toBeVisible();
	await expect(page.getByTestId('connectivity')).toHaveText('Sin conexión');
	await expect(page.getByRole('button', { name: 'Nueva solicitud' })).toBeVisible();

	// German, chosen on the account screen: the app reloads in it, its messages served by the
	// service worker, which holds every language; then it starts offline in German, panes too.
	await context.setOffline(false);
	await expect(page.getByTestId('connectivity')).toHaveText('En línea');
	await page.getByRole('link', { name: 'Cuenta' }).click();
	const german: boolean[] = [];
	page.on('response', async (response) => {
		if (!response.url().endsWith('.js')) return;
		const text = await response.text().catch(() => '');
		if (text.includes('Sitzungsanfragen')) german.push(response.fromServiceWorker());
	});
	await page.getByTestId('language-select').selectOption('de');
	await page.getByRole('button', { name: 'Guardar idioma' }).click();
	await expect(page.getByRole('heading', { name: 'Sprache' })).toBeVisible();
	await expect.poll(() => german.length).toBeGreaterThan(0);
	expect(german.every(Boolean)).toBe(true);

	await context.setOffline(true);
	await page.reload();
	await expect(page.getByRole('heading', { name: 'Sprache' })).toBeVisible();
	await page.getByRole('link', { name: 'Anfragen' }).click();
	await expect(page.getByRole('heading', { name: 'Sitzungsanfragen' })).toBeVisible();
	await expect(page.locator('html')).toHaveAttribute('lang', 'de');
	await expect(page.getByText('Solicitudes de sesión')).toHaveCount(0);
	// A pane loaded on use speaks it too.
	await page.getByRole('button', { name: 'Neue Anfrage' }).click();
	await expect(page.getByRole('form', { name: 'Neue Sitzungsanfrage' })).toBeVisible();
	await context.setOffline(false);
});
