/**
 * The recipient's time zone (issue 18, item 5): the create form offers the agent's own zone,
 * takes another, refuses an unknown one under its field; the detail shows the zone and the
 * scheduled time as the recipient reads it; an edit changes it, offline too. The link page,
 * opened in a browser in another zone, shows the time in the visitor's zone and names it.
 */
import { expect, test } from '@playwright/test';
import {
	createAgent,
	detail,
	expectAllSynced,
	goOffline,
	goOnline,
	serverRequest,
	signIn,
	signInAdmin,
	tag,
	waitForOfflineReady
} from './support';

// The agent works from Madrid: 16:00 there on 10 January 2030 is 15:00 UTC, 10:00 in New York.
test.use({ timezoneId: 'Europe/Madrid', locale: 'en-US' });

test('a request for a recipient in New York, whose link opens in Los Angeles', async ({
	browser,
	page,
	request
}) => {
	const admin = await signInAdmin(request);
	const agent = await createAgent(admin, 'Zoe');
	const name = `Zone ${tag()}`;
	await signIn(page, agent);

	await page.getByRole('button', { name: 'New request' }).click();
	const form = page.getByRole('form', { name: 'New session request' });
	const zone = form.getByLabel("Recipient's time zone");
	// The agent's own zone by default.
	await expect(zone).toHaveValue('Europe/Madrid');
	await form.getByLabel('Recipient name').fill(name);
	await form.getByLabel('Schedule').check();
	await form.getByLabel('Scheduled time').fill('2030-01-10T16:00');
	await form.getByLabel('Expires').fill('2030-01-20T16:00');

	// An unknown zone is refused under the field, with the server's words.
	await zone.fill('Mars/Olympus_Mons');
	await form.getByRole('button', { name: 'Create request' }).click();
	await expect(zone).toHaveAttribute('aria-invalid', 'true');
	await expect(form.locator('#err-timeZone')).toHaveText(
		'must be an IANA time zone such as Europe/Madrid'
	);

	// Picked from the browser's list of zones.
	await zone.fill('America/New_York');
	await expect(form.getByTestId('recipient-time')).toHaveText(
		'Jan 10, 2030, 10:00 AM for the recipient (America/New York)'
	);
	await form.getByRole('button', { name: 'Create request' }).click();
	const pane = detail(page);
	await expect(pane.getByRole('heading', { name })).toBeVisible();
	await expect(pane.getByTestId('time-zone')).toHaveText('America/New York');
	await expect(pane.getByTestId('recipient-time')).toHaveText(
		'Jan 10, 2030, 10:00 AM for the recipient (America/New York)'
	);
	await expectAllSynced(page);
	const [stored] = (await admin.query('requests.list', { search: name })).items;
	expect(stored).toMatchObject({
		scheduledAt: '2030-01-10T15:00:00.000Z',
		timeZone: 'America/New_York'
	});

	// An edit moves the recipient to Tokyo.
	await pane.getByRole('button', { name: 'Edit', exact: true }).click();
	const edit = page.getByRole('form', { name: 'Edit request' });
	await expect(edit.getByLabel("Recipient's time zone")).toHaveValue('America/New_York');
	await edit.getByLabel("Recipient's time zone").fill('Asia/Tokyo');
	await edit.getByRole('button', { name: 'Save changes' }).click();
	await expect(pane.getByTestId('time-zone')).toHaveText('Asia/Tokyo');
	await expect(pane.getByTestId('recipient-time')).toHaveText(
		'Jan 11, 2030, 12:00 AM for the recipient (Asia/Tokyo)'
	);
	await expectAllSynced(page);
	expect((await serverRequest(admin, stored.id)).timeZone).toBe('Asia/Tokyo');

	// Offline, the change shows at once and reaches the server when back online.
	await waitForOfflineReady(page);
	await goOffline(page.context(), page);
	await pane.getByRole('button', { name: 'Edit', exact: true }).click();
	await edit.getByLabel("Recipient's time zone").fill('Europe/Paris');
	await edit.getByRole('button', { name: 'Save changes' }).click();
	await expect(pane.getByTestId('time-zone')).toHaveText('Europe/Paris');
	await goOnline(page.context(), page);
	await expectAllSynced(page);
	expect((await serverRequest(admin, stored.id)).timeZone).toBe('Europe/Paris');

	// The visitor's browser is in Los Angeles: the page shows their time, and says so.
	const visitor = await browser.newContext({ timezoneId: 'America/Los_Angeles', locale: 'en-US' });
	try {
		const linkPage = await visitor.newPage();
		await linkPage.goto(stored.link);
		await expect(linkPage.getByTestId('scheduled-at')).toHaveText(
			'Scheduled for Thursday, January 10, 2030 at 7:00 AM'
		);
		await expect(linkPage.getByText('Times are shown in your time zone')).toHaveText(
			'Times are shown in your time zone (America/Los_Angeles).'
		);
	} finally {
		await visitor.close();
	}
});
