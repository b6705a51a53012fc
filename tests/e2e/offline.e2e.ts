/**
 * The agent app offline (DESIGN.md §3): it starts with no network once visited, keeps changes
 * made offline across reloads, delivers them exactly once when the network returns (even when a
 * push's answer is lost), and drops requests that left the agent's view without a reload.
 */
import { expect, test, type APIRequestContext, type Page, type Route } from '@playwright/test';
import {
	connectivity,
	createAgent,
	createQueue,
	createRequest,
	detail,
	expectAllSynced,
	goOffline,
	goOnline,
	localRequest,
	openRequest,
	pendingCount,
	rowById,
	rowByName,
	serverRequest,
	serverRequestsNamed,
	signIn,
	signInAdmin,
	tag,
	waitForOfflineReady,
	type Agent,
	type Api
} from './support';

/**
 * An agent with one request assigned to them, signed in on `page` and shown it, with the app
 * ready to start offline (service worker active, shell cached).
 */
async function signedInWithStoredRequest(
	page: Page,
	request: APIRequestContext,
	agentName: string
) {
	const admin = await signInAdmin(request);
	const agent = await createAgent(admin, agentName);
	const name = `Stored ${tag()}`;
	const stored = await admin.mutate('requests.create', {
		recipientName: name,
		assignment: { kind: 'agent', userId: agent.id }
	});
	await signIn(page, agent);
	await expect(rowById(page, stored.id)).toBeVisible();
	await waitForOfflineReady(page);
	return { admin, agent, name, stored };
}

test('starts offline after the first visit, with the requests stored on the device', async ({
	page,
	context,
	request
}) => {
	const { agent, name, stored } = await signedInWithStoredRequest(page, request, 'Olga');

	await goOffline(context, page);
	const response = await page.reload();
	expect(response?.fromServiceWorker()).toBe(true);
	await expect(page.getByRole('heading', { name: 'Session Requests' })).toBeVisible();
	await expect(page.getByText(agent.name)).toBeVisible();
	await expect(connectivity(page)).toHaveText('Offline');
	await expect(rowById(page, stored.id)).toBeVisible();
	await expect(rowById(page, stored.id)).toContainText(name);
	// The network is really cut for the page's own calls, not just reported as such.
	expect(await page.evaluate(() => navigator.onLine)).toBe(false);
	const reached = await page.evaluate(() =>
		fetch('/api/trpc/auth.me').then(
			() => true,
			() => false
		)
	);
	expect(reached).toBe(false);
});

/** Creates, assigns and closes requests offline; returns what the server should end up with. */
async function workOffline(page: Page, colleague: Agent) {
	const prefix = `Offline ${tag()}`;
	const names = { kept: `${prefix} kept`, handed: `${prefix} handed`, closed: `${prefix} closed` };
	const kept = await createRequest(page, { name: names.kept });
	const handed = await createRequest(page, { name: names.handed, assignTo: 'Unassigned' });
	const pane = detail(page);
	await pane.getByLabel('Reassign to').selectOption({ label: colleague.name });
	await pane.getByRole('button', { name: 'Reassign', exact: true }).click();
	await expect(pane.getByTestId('assigned-to')).toHaveText(colleague.name);
	const closed = await createRequest(page, { name: names.closed });
	await detail(page).getByRole('button', { name: 'Close request' }).click();
	await expect(rowById(page, closed)).toHaveAttribute('data-status', 'closed');
	return { prefix, names, ids: { kept, handed, closed } };
}

async function expectShownOffline(page: Page, work: Awaited<ReturnType<typeof workOffline>>) {
	await expect(pendingCount(page)).toHaveText('5 pending changes');
	for (const id of Object.values(work.ids)) {
		await expect(rowById(page, id).getByTestId('not-synced')).toBeVisible();
	}
	await expect(rowById(page, work.ids.kept)).toHaveAttribute('data-status', 'open');
	await expect(rowById(page, work.ids.handed)).toHaveAttribute('data-status', 'open');
	await expect(rowById(page, work.ids.closed)).toHaveAttribute('data-status', 'closed');
}

/** The server holds each request once, in the state reached offline, with one event per change. */
async function expectOnServerOnce(
	admin: Api,
	agent: Agent,
	colleague: Agent,
	work: Awaited<ReturnType<typeof workOffline>>
) {
	const rows = await serverRequestsNamed(admin, work.prefix);
	expect(rows.map((r) => r.recipientName).sort()).toEqual(Object.values(work.names).sort());

	const kept = await serverRequest(admin, work.ids.kept);
	expect(kept).toMatchObject({
		recipientName: work.names.kept,
		status: 'open',
		createdBy: agent.id,
		assignment: { kind: 'agent', userId: agent.id }
	});
	expect(kept.events.map((e: { type: string }) => e.type)).toEqual(['created']);

	const handed = await serverRequest(admin, work.ids.handed);
	expect(handed).toMatchObject({
		status: 'open',
		assignment: { kind: 'agent', userId: colleague.id }
	});
	expect(handed.events.map((e: { type: string }) => e.type)).toEqual(['created', 'assigned']);

	const closed = await serverRequest(admin, work.ids.closed);
	expect(closed).toMatchObject({ status: 'closed', closedReason: 'closed_by_agent' });
	expect(closed.events.map((e: { type: string }) => e.type)).toEqual(['created', 'closed']);
}

test('changes made offline survive a reload and reach the server once when back online', async ({
	page,
	context,
	request
}) => {
	const admin = await signInAdmin(request);
	const agent = await createAgent(admin, 'Pia');
	const colleague = await createAgent(admin, 'Ravi');
	await signIn(page, agent);
	await waitForOfflineReady(page);

	await goOffline(context, page);
	const work = await workOffline(page, colleague);
	await expectShownOffline(page, work);
	expect(await serverRequestsNamed(admin, work.prefix)).toEqual([]);

	await page.reload();
	await expect(connectivity(page)).toHaveText('Offline');
	await expectShownOffline(page, work);
	await openRequest(page, work.ids.handed);
	await expect(detail(page).getByTestId('assigned-to')).toHaveText(colleague.name);

	await goOnline(context, page);
	await expectAllSynced(page);
	await expect(connectivity(page)).toHaveText('Online');
	await expectOnServerOnce(admin, agent, colleague, work);
	// The device now shows the server's copies.
	expect(await localRequest(page, work.ids.closed)).toMatchObject({
		status: 'closed',
		unsynced: false,
		pending: 0
	});
});

test('a push whose answer is lost is retried and still applied once', async ({
	page,
	context,
	request
}) => {
	const admin = await signInAdmin(request);
	const agent = await createAgent(admin, 'Sven');
	const colleague = await createAgent(admin, 'Tara');
	await signIn(page, agent);
	// With the service worker in control, as in real use: the push still goes out from the page.
	await waitForOfflineReady(page);

	await goOffline(context, page);
	const work = await workOffline(page, colleague);
	await expectShownOffline(page, work);

	// The first push reaches the server, then the connection drops before the answer arrives.
	const pushes: { dropped: boolean; mutationIds: number[] }[] = [];
	await page.route(
		(url) => url.pathname.includes('sync.push'),
		async (route: Route) => {
			const body = JSON.parse(route.request().postData() ?? '{}');
			const input = body['0'] ?? body;
			const mutationIds = (input.mutations ?? []).map((m: { id: number }) => m.id);
			if (pushes.length === 0) {
				pushes.push({ dropped: true, mutationIds });
				const response = await route.fetch();
				expect(response.ok()).toBe(true);
				await route.abort('connectionreset');
			} else {
				pushes.push({ dropped: false, mutationIds });
				await route.fallback();
			}
		}
	);

	await goOnline(context, page);
	await expectAllSynced(page);
	expect(pushes.length).toBeGreaterThanOrEqual(2);
	expect(pushes[0]).toMatchObject({ dropped: true });
	expect(pushes[0].mutationIds).toHaveLength(5);
	// The retry sends the same mutations again; the server skips what it already applied.
	expect(pushes[1].mutationIds).toEqual(pushes[0].mutationIds);
	await expectOnServerOnce(admin, agent, colleague, work);
	await expect(page.getByTestId('needs-attention')).toHaveCount(0);
});

test('a request that leaves the agent’s view disappears from the device without a reload', async ({
	page,
	request
}) => {
	const admin = await signInAdmin(request);
	const agent = await createAgent(admin, 'Uma');
	const other = await createAgent(admin, 'Vik');
	const elsewhere = await createQueue(admin, [other.id]);
	const name = `Leaving ${tag()}`;
	const leaving = await admin.mutate('requests.create', {
		recipientName: name,
		assignment: { kind: 'agent', userId: agent.id }
	});

	await signIn(page, agent);
	await expect(rowById(page, leaving.id)).toBeVisible();
	await openRequest(page, leaving.id);
	await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));

	await admin.mutate('requests.assign', {
		id: leaving.id,
		assignment: { kind: 'queue', queueId: elsewhere.id }
	});

	await expect(rowById(page, leaving.id)).toHaveCount(0);
	await expect(rowByName(page, name)).toHaveCount(0);
	await expect(detail(page)).toHaveCount(0);
	await expect.poll(() => localRequest(page, leaving.id)).toBeNull();
	// Same document: no reload happened.
	expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
});

test('the panes loaded on demand open offline after a reload: detail, edit and create', async ({
	page,
	context,
	request
}) => {
	const { name, stored } = await signedInWithStoredRequest(page, request, 'Wes');

	// A fresh document with no network: none of the panes' code has been loaded in it yet.
	await goOffline(context, page);
	await page.reload();
	await expect(connectivity(page)).toHaveText('Offline');
	await expect(rowById(page, stored.id)).toBeVisible();
	const scripts: { path: string; fromServiceWorker: boolean }[] = [];
	page.on('response', (response) => {
		const url = new URL(response.url());
		if (url.pathname.endsWith('.js')) {
			scripts.push({ path: url.pathname, fromServiceWorker: response.fromServiceWorker() });
		}
	});

	const pane = await openRequest(page, stored.id);
	await expect(pane.getByRole('heading', { name })).toBeVisible();
	await expect(pane.getByTestId('assigned-to')).toHaveText('you');
	await pane.getByRole('button', { name: 'Edit', exact: true }).click();
	const edit = page.getByRole('form', { name: 'Edit request' });
	await edit.getByLabel('Recipient name').fill(`${name} edited`);
	await edit.getByRole('button', { name: 'Save changes' }).click();
	await expect(edit).toHaveCount(0);
	await expect(pane.getByRole('heading', { name: `${name} edited` })).toBeVisible();

	const created = await createRequest(page, { name: `Offline ${tag()} new` });
	await expect(rowById(page, created).getByTestId('not-synced')).toBeVisible();
	await expect(pendingCount(page)).toHaveText('2 pending changes');
	await expect(page.getByTestId('pane-loading')).toHaveCount(0);

	// The panes' code was fetched on demand, and the service worker's precache answered.
	expect(scripts.length).toBeGreaterThan(0);
	expect(scripts.filter((s) => !s.fromServiceWorker)).toEqual([]);
});
