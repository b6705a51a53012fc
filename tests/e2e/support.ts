/**
 * Helpers for the end-to-end tests: the admin's raw tRPC client (setup and server-side checks),
 * signing agents in through the UI, going offline and online, and reading what the device holds.
 */
import {
	expect,
	type APIRequestContext,
	type Browser,
	type APIResponse,
	type BrowserContext,
	type Locator,
	type Page
} from '@playwright/test';

export const ADMIN = {
	email: process.env.BECKON_ADMIN_EMAIL ?? 'e2e-admin@example.com',
	password: process.env.BECKON_ADMIN_PASSWORD ?? 'e2e-admin-password'
};

/** A short random tag: the tests share one server, so every name they create is unique. */
export const tag = () => Math.random().toString(36).slice(2, 8);

/** tRPC over HTTP in its public wire format (no transformer), with the admin's cookie. */
export class Api {
	constructor(readonly request: APIRequestContext) {}

	async query<T = any>(path: string, input?: unknown): Promise<T> {
		const params = input === undefined ? undefined : { input: JSON.stringify(input) };
		return this.#read<T>(path, await this.request.get(`/api/trpc/${path}`, { params }));
	}

	async mutate<T = any>(path: string, input: unknown = {}): Promise<T> {
		return this.#read<T>(path, await this.request.post(`/api/trpc/${path}`, { data: input }));
	}

	async #read<T>(path: string, response: APIResponse): Promise<T> {
		const body = await response.json();
		if (body.error) {
			throw new Error(`${path}: ${body.error.data?.code} ${body.error.message}`);
		}
		return body.result.data as T;
	}
}

/** The bootstrap admin (BECKON_ADMIN_EMAIL), signed in on the test's `request` context. */
export async function signInAdmin(request: APIRequestContext): Promise<Api> {
	const api = new Api(request);
	await api.mutate('auth.login', ADMIN);
	return api;
}

export interface Agent {
	id: string;
	name: string;
	email: string;
	password: string;
}

export async function createAgent(admin: Api, label: string): Promise<Agent> {
	const id = tag();
	const password = `password-${id}`;
	const { user } = await admin.mutate('users.create', {
		email: `${label.toLowerCase()}-${id}@example.com`,
		name: `${label} ${id}`,
		password,
		role: 'agent',
		permission: 'edit'
	});
	return { id: user.id, name: user.name, email: user.email, password };
}

export async function createQueue(admin: Api, memberIds: string[]) {
	const { queue } = await admin.mutate('queues.create', { name: `Q-${tag()}`, memberIds });
	return queue as { id: string; name: string };
}

/** The server's copy of a request, with its timeline. */
export function serverRequest(admin: Api, id: string) {
	return admin.query('requests.get', { id });
}

/** Every request on the server whose recipient name contains `search`. */
export async function serverRequestsNamed(admin: Api, search: string) {
	const { items } = await admin.query('requests.list', { search, limit: 100 });
	return items as { id: string; recipientName: string }[];
}

// ——— the agent app ———

export const connectivity = (page: Page) => page.getByTestId('connectivity');
export const pendingCount = (page: Page) => page.getByTestId('pending-count');
export const detail = (page: Page) => page.getByTestId('request-detail');
export const attention = (page: Page) => page.getByTestId('needs-attention');
export const rowById = (page: Page, id: string) =>
	page.locator(`[data-testid="request-row"][data-request-id="${id}"]`);
export const rowByName = (page: Page, name: string) =>
	page.getByTestId('request-row').filter({ hasText: name });

/** Signs in through the form and waits for the first sync to finish. */
export async function signIn(page: Page, agent: { email: string; password: string }) {
	await page.goto('/');
	await page.getByLabel('Email').fill(agent.email);
	await page.getByLabel('Password').fill(agent.password);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await expect(connectivity(page)).toHaveText('Online');
	await expect(page.getByTestId('last-synced')).not.toHaveText('Never synced', {
		timeout: 10_000
	});
}

/** Waits until the service worker is active and controls the page: it then starts offline. */
export async function waitForOfflineReady(page: Page) {
	await page.evaluate(async () => {
		await navigator.serviceWorker.ready;
	});
	await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

/** Cuts the network of `context`; every page in `pages` must notice. */
export async function goOffline(context: BrowserContext, ...pages: Page[]) {
	await context.setOffline(true);
	for (const page of pages) {
		await expect.poll(() => page.evaluate(() => navigator.onLine)).toBe(false);
		await expect(connectivity(page)).toHaveText('Offline');
	}
}

export async function goOnline(context: BrowserContext, ...pages: Page[]) {
	await context.setOffline(false);
	for (const page of pages) {
		await expect.poll(() => page.evaluate(() => navigator.onLine)).toBe(true);
	}
}

/** Waits until the outbox is empty (every change confirmed by the server). */
export async function expectAllSynced(page: Page, timeout = 10_000) {
	await expect(pendingCount(page)).toHaveText('0 pending changes', { timeout });
	await expect(page.getByTestId('not-synced')).toHaveCount(0, { timeout });
}

/** Creates a request with the form; returns its (client-generated) id. */
export async function createRequest(
	page: Page,
	options: { name: string; assignTo?: string }
): Promise<string> {
	await page.getByRole('button', { name: 'New request' }).click();
	const form = page.getByRole('form', { name: 'New session request' });
	await form.getByLabel('Recipient name').fill(options.name);
	if (options.assignTo) {
		await form.getByLabel('Assign to').selectOption({ label: options.assignTo });
	}
	await form.getByRole('button', { name: 'Create request' }).click();
	await expect(detail(page).getByRole('heading', { name: options.name })).toBeVisible();
	const id = await rowByName(page, options.name).getAttribute('data-request-id');
	expect(id).toBeTruthy();
	return id as string;
}

/** Opens a request in the detail pane and returns the pane. */
export async function openRequest(page: Page, id: string): Promise<Locator> {
	await rowById(page, id).getByRole('button').click();
	const pane = detail(page);
	await expect(pane).toBeVisible();
	return pane;
}

/** The request as stored on the device (IndexedDB, read directly), or null. */
export function localRequest(page: Page, id: string) {
	return page.evaluate(
		(id) =>
			new Promise<Record<string, unknown> | null>((resolve, reject) => {
				const open = indexedDB.open('beckon');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const db = open.result;
					const get = db.transaction('requests', 'readonly').objectStore('requests').get(id);
					get.onerror = () => reject(get.error);
					get.onsuccess = () => {
						db.close();
						resolve((get.result as Record<string, unknown> | undefined) ?? null);
					};
				};
			}),
		id
	);
}

/** A second device: its own browser context (cookies, IndexedDB, service worker). */
export async function device(browser: Browser, agent: Agent): Promise<[BrowserContext, Page]> {
	const context = await browser.newContext();
	const page = await context.newPage();
	await signIn(page, agent);
	return [context, page];
}
