/**
 * Pokes that carry their changes, in the browser (docs/api.md `sync.poke`): a request one agent
 * creates appears in the other agent's list from the poke alone, with no `sync.pull` sent by
 * the other agent's device for it.
 */
import { expect, test } from '@playwright/test';
import {
	createAgent,
	createRequest,
	device,
	expectAllSynced,
	rowById,
	signIn,
	signInAdmin,
	tag
} from './support';

test("a new request shows in another agent's list with no pull", async ({
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
		await expectAllSynced(benPage);
		// What every pull Ben's device sends from here on answers (tRPC's batch link names it in
		// the URL). The device may pull for its own reasons (its stream connecting, the fallback
		// timer); what must hold is that none of them is how the change reached it.
		const pulls: Promise<string>[] = [];
		benPage.on('response', (answer) => {
			if (answer.url().includes('sync.pull')) pulls.push(answer.text().catch(() => ''));
		});
		const pulled = async (text: string) =>
			(await Promise.all(pulls)).filter((body) => body.includes(text));

		const name = `Poked ${tag()}`;
		const id = await createRequest(page, { name, assignTo: 'Unassigned' });
		await expectAllSynced(page);
		await expect(rowById(benPage, id)).toContainText(name, { timeout: 5_000 });
		await expect(rowById(benPage, id)).toHaveAttribute('data-status', 'open');
		expect(await pulled(id)).toEqual([]);

		// And the device's copy is the server's: a change made later arrives the same way.
		await admin.mutate('requests.update', { id, comments: 'Called back' });
		await expect
			.poll(() =>
				benPage.evaluate(
					(requestId) =>
						new Promise<string | null>((resolve, reject) => {
							const open = indexedDB.open('beckon');
							open.onerror = () => reject(open.error);
							open.onsuccess = () => {
								const db = open.result;
								const get = db.transaction('requests').objectStore('requests').get(requestId);
								get.onsuccess = () => {
									db.close();
									resolve((get.result?.comments as string | undefined) ?? null);
								};
								get.onerror = () => reject(get.error);
							};
						}),
					id
				)
			)
			.toBe('Called back');
		expect(await pulled('Called back')).toEqual([]);
	} finally {
		await benContext.close();
	}
});
