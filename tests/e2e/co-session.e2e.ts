/**
 * A second agent in a live session (issue 21, item 3), with three browser contexts: the owner's
 * app, a colleague's app and the end user's link page. Chromium's fake media flags
 * (playwright.config.ts) give the end user a screen to share; the end user's page sends it to
 * each agent over its own peer connection.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import {
	createAgent,
	openRequest,
	rowById,
	serverRequest,
	signIn,
	signInAdmin,
	tag,
	type Agent,
	type Api
} from './support';

const consent = (page: Page) => page.getByRole('dialog', { name: /asks to see your screen/ });

/** Frames decoded so far by an agent's view of the shared screen. */
const decodedFrames = (page: Page) =>
	page.getByTestId('remote-screen').evaluate((video: HTMLVideoElement) => ({
		width: video.videoWidth,
		time: video.currentTime,
		frames: video.getVideoPlaybackQuality().totalVideoFrames
	}));

/** The video decodes new frames: it is live, not a still. */
async function expectLiveVideo(page: Page) {
	await expect
		.poll(async () => (await decodedFrames(page)).width, { timeout: 15_000 })
		.toBeGreaterThan(0);
	const before = await decodedFrames(page);
	await expect
		.poll(async () => (await decodedFrames(page)).frames, { timeout: 5_000 })
		.toBeGreaterThan(before.frames);
	expect((await decodedFrames(page)).time).toBeGreaterThan(before.time);
}

async function agentPage(browser: Browser, agent: Agent) {
	const context = await browser.newContext();
	const page = await context.newPage();
	await signIn(page, agent);
	return { context, page };
}

/** The owner in a connected session with the end user sharing their screen. */
async function liveSession(page: Page, browser: Browser, admin: Api, owner: Agent) {
	const name = `Rosa ${tag()}`;
	const created = await admin.mutate('requests.create', {
		recipientName: name,
		assignment: { kind: 'agent', userId: owner.id }
	});
	await signIn(page, owner);
	const pane = await openRequest(page, created.id);
	const context = await browser.newContext();
	const user = await context.newPage();
	await user.goto(created.link);
	await expect(rowById(page, created.id)).toHaveAttribute('data-status', 'waiting');
	await pane.getByRole('button', { name: 'Connect' }).click();
	await consent(user).getByRole('button', { name: 'Allow' }).click();
	await expect(rowById(page, created.id)).toHaveAttribute('data-status', 'ready');
	await user.getByRole('button', { name: 'Share my screen' }).click();
	await expect(user.getByTestId('share-preview')).toBeVisible();
	await pane.getByRole('button', { name: 'Start session' }).click();
	await expect(page.getByTestId('viewer-state')).toHaveAttribute('data-state', 'connected', {
		timeout: 15_000
	});
	return { id: created.id as string, name, user, userContext: context };
}

/** The owner invites `colleague`, who joins from their notice and sees the screen. */
async function inviteAndJoin(owner: Page, colleague: Page, who: Agent) {
	const session = owner.getByTestId('session-view');
	await session.getByTestId('co-invite-select').selectOption({ label: who.name });
	await session.getByRole('button', { name: 'Invite', exact: true }).click();
	await expect(session.getByTestId('co-watching')).toContainText(who.name);
	const notice = colleague.getByTestId('session-invite');
	await expect(notice).toBeVisible({ timeout: 10_000 });
	await notice.getByRole('button', { name: 'Join' }).click();
	await expect(colleague.getByTestId('viewer-state')).toHaveAttribute('data-state', 'connected', {
		timeout: 15_000
	});
}

test('a colleague joins a live session, sees the screen and points; the end user sees two agents and removes them', async ({
	page,
	browser,
	request
}) => {
	test.setTimeout(120_000);
	const admin = await signInAdmin(request);
	const owner = await createAgent(admin, 'Sam');
	const cleo = await createAgent(admin, 'Cleo');
	const session = await liveSession(page, browser, admin, owner);
	const colleague = await agentPage(browser, cleo);
	try {
		await inviteAndJoin(page, colleague.page, cleo);
		await expectLiveVideo(colleague.page);
		// The owner's screen keeps playing.
		await expectLiveVideo(page);

		// The end user is told who joined, and sees both agents watching.
		const user = session.user;
		await expect(user.getByTestId('agent-joined')).toContainText(
			`${cleo.name} joined the session and can see your screen.`
		);
		await expect(user.getByTestId('watching-count')).toHaveText('2 agents watching');
		await expect(user.getByTestId('watching')).toContainText(owner.name);
		await expect(user.getByTestId('watching')).toContainText(cleo.name);

		// The colleague chats and points: the end user sees both, named.
		const theirs = colleague.page.getByTestId('session-view');
		await theirs.getByLabel('Message').fill('Cleo here');
		await theirs.getByRole('button', { name: 'Send' }).click();
		await expect(user.getByTestId('chat-log')).toContainText(`${cleo.name} ·`);
		await expect(user.getByTestId('chat-log')).toContainText('Cleo here');
		// The owner sees it too, passed on by the end user's page.
		await expect(page.getByTestId('session-view').getByTestId('chat-log')).toContainText(
			'Cleo here'
		);
		const screen = colleague.page.getByTestId('remote-screen');
		await screen.scrollIntoViewIfNeeded();
		const box = await screen.boundingBox();
		if (!box) throw new Error('no video box');
		await colleague.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
		await colleague.page.mouse.move(box.x + box.width / 2 + 20, box.y + box.height / 2 + 10);
		await expect(user.getByTestId('agent-pointer-other')).toBeVisible();
		await expect(user.getByTestId('agent-pointer-other')).toHaveAttribute(
			'aria-label',
			`${cleo.name} is pointing here`
		);

		// The end user removes the colleague: their view ends with a clear message.
		await user.getByRole('button', { name: `Remove ${cleo.name}` }).click();
		await expect(colleague.page.getByTestId('viewer-state')).toHaveAttribute(
			'data-state',
			'removed'
		);
		await expect(colleague.page.getByTestId('viewer-state')).toHaveText(
			`${session.name} removed you from the session.`
		);
		await expect(colleague.page.getByTestId('remote-screen')).toHaveCount(0);
		await expect(user.getByTestId('agent-removed')).toContainText(
			`${cleo.name} was removed from the session.`
		);
		await expect(user.getByTestId('watching')).toHaveCount(0);
		// The owner's session goes on.
		await expect(page.getByTestId('viewer-state')).toHaveAttribute('data-state', 'connected');
		await expect(user.getByTestId('session-state')).toHaveAttribute('data-state', 'connected');
	} finally {
		await colleague.context.close();
		await session.userContext.close();
	}
});

test('the owner hands the session over to the colleague, who becomes its agent', async ({
	page,
	browser,
	request
}) => {
	test.setTimeout(120_000);
	const admin = await signInAdmin(request);
	const owner = await createAgent(admin, 'Sam');
	const dan = await createAgent(admin, 'Dan');
	const session = await liveSession(page, browser, admin, owner);
	const colleague = await agentPage(browser, dan);
	try {
		await inviteAndJoin(page, colleague.page, dan);
		await expect(session.user.getByTestId('watching-count')).toHaveText('2 agents watching');

		await page
			.getByTestId('session-view')
			.getByRole('button', { name: `Hand over to ${dan.name}` })
			.click();
		await expect
			.poll(async () => (await serverRequest(admin, session.id)).assignment)
			.toEqual({ kind: 'agent', userId: dan.id });
		const server = await serverRequest(admin, session.id);
		expect(server.status).toBe('connected');
		expect(server.events.at(-1)).toMatchObject({
			type: 'transferred',
			actor: owner.id,
			data: { to: { kind: 'agent', userId: dan.id }, note: 'Handed over during the live session' }
		});
		// Dan now holds the request (it reaches his list) and his view keeps the screen.
		await expect(rowById(colleague.page, session.id)).toBeVisible({ timeout: 10_000 });
		await expectLiveVideo(colleague.page);
		await expect(session.user.getByTestId('session-state')).toHaveAttribute(
			'data-state',
			'connected'
		);
	} finally {
		await colleague.context.close();
		await session.userContext.close();
	}
});
