/**
 * Two agents at once (DESIGN.md §3 "Poke", §1 "Queues and assignment"): a change on one device
 * shows on the other without a reload, and two agents taking the same queued request while
 * offline end with one holder on the server and a clear "needs attention" entry for the other.
 */
import { expect, test, type Page } from '@playwright/test';
import {
	attention,
	createAgent,
	device,
	createQueue,
	createRequest,
	detail,
	expectAllSynced,
	goOffline,
	goOnline,
	openRequest,
	rowById,
	serverRequest,
	signIn,
	signInAdmin,
	tag
} from './support';

/** Marks the document, so a later check can tell it was never reloaded. */
const mark = (page: Page) =>
	page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
const stillMarked = async (page: Page) =>
	expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);

test('a change on one device appears on another without a reload', async ({
	page,
	browser,
	request
}) => {
	const admin = await signInAdmin(request);
	const ada = await createAgent(admin, 'Ada');
	const ben = await createAgent(admin, 'Ben');
	await signIn(page, ada);
	const [benContext, benPage] = await device(browser, ben);
	try {
		await mark(page);
		await mark(benPage);

		// Ada creates an unassigned request: Ben sees it within seconds.
		const name = `Live ${tag()}`;
		const id = await createRequest(page, { name, assignTo: 'Unassigned' });
		await expectAllSynced(page);
		await expect(rowById(benPage, id)).toBeVisible({ timeout: 5_000 });
		await expect(rowById(benPage, id)).toContainText(name);
		await expect(rowById(benPage, id)).toHaveAttribute('data-status', 'open');

		// Ben closes it: Ada sees it closed within seconds.
		await openRequest(benPage, id);
		await detail(benPage).getByRole('button', { name: 'Close request' }).click();
		await expectAllSynced(benPage);
		await expect(rowById(page, id)).toHaveAttribute('data-status', 'closed', { timeout: 5_000 });
		await expect(detail(page).getByRole('button', { name: 'Reopen' })).toBeVisible();

		expect(await serverRequest(admin, id)).toMatchObject({ status: 'closed', createdBy: ada.id });
		await stillMarked(page);
		await stillMarked(benPage);
	} finally {
		await benContext.close();
	}
});

test('two agents taking the same request offline: one holder, the other is told who', async ({
	page,
	context,
	browser,
	request
}) => {
	const admin = await signInAdmin(request);
	const ada = await createAgent(admin, 'Ada');
	const ben = await createAgent(admin, 'Ben');
	const queue = await createQueue(admin, [ada.id, ben.id]);
	const queued = await admin.mutate('requests.create', {
		recipientName: `Queued ${tag()}`,
		assignment: { kind: 'queue', queueId: queue.id }
	});

	await signIn(page, ada);
	const [benContext, benPage] = await device(browser, ben);
	try {
		const agents = [
			{ agent: ada, context, page },
			{ agent: ben, context: benContext, page: benPage }
		];
		for (const { context, page } of agents) {
			await expect(rowById(page, queued.id)).toContainText(`Queue ${queue.name}`);
			const pane = await openRequest(page, queued.id);
			await goOffline(context, page);
			await pane.getByRole('button', { name: 'Take' }).click();
			// Optimistically, each agent holds it.
			await expect(pane.getByTestId('assigned-to')).toHaveText('you');
			await expect(rowById(page, queued.id)).toContainText('Me ·');
			await expect(page.getByTestId('pending-count')).toHaveText('1 pending change');
		}

		await Promise.all(agents.map(({ context, page }) => goOnline(context, page)));
		await Promise.all(agents.map(({ page }) => expectAllSynced(page)));

		const onServer = await serverRequest(admin, queued.id);
		expect(onServer.assignment.kind).toBe('agent');
		const winner = agents.find(({ agent }) => agent.id === onServer.assignment.userId);
		const loser = agents.find(({ agent }) => agent.id !== onServer.assignment.userId);
		if (!winner || !loser) throw new Error(`unexpected holder ${onServer.assignment.userId}`);
		expect(onServer.events.filter((e: { type: string }) => e.type === 'taken')).toHaveLength(1);

		await expect(detail(winner.page).getByTestId('assigned-to')).toHaveText('you');
		await expect(attention(winner.page)).toHaveCount(0);

		const notice = attention(loser.page);
		await expect(notice).toBeVisible();
		await expect(notice).toContainText('Needs attention (1)');
		await expect(notice).toContainText(`Already taken by ${winner.agent.name}`);
		// Taken by someone else, it left the loser's queue, so it left the loser's device.
		await expect(rowById(loser.page, queued.id)).toHaveCount(0);
	} finally {
		await benContext.close();
	}
});
