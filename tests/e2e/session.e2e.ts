/**
 * The end user's side and the live session (issue 6), with two browser contexts: the agent's app
 * and the end user's link page. Chromium's fake media flags (playwright.config.ts) give the end
 * user a fake screen to share; WebRTC connects over loopback with no ICE servers.
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

/** Keeps every console message that reports a Content-Security-Policy violation. */
function watchCsp(page: Page) {
	const violations: string[] = [];
	page.on('console', (message) => {
		if (/content security policy/i.test(message.text())) violations.push(message.text());
	});
	return violations;
}

/** The end user: a browser context of their own, with nothing of the agent's. */
async function endUser(browser: Browser) {
	const context = await browser.newContext();
	const page = await context.newPage();
	return { context, page, violations: watchCsp(page) };
}

async function assignedRequest(admin: Api, agent: Agent, extra: Record<string, unknown> = {}) {
	const name = `Rosa ${tag()}`;
	const created = await admin.mutate('requests.create', {
		recipientName: name,
		assignment: { kind: 'agent', userId: agent.id },
		...extra
	});
	return { id: created.id as string, name, link: created.link as string };
}

const consent = (page: Page) => page.getByRole('dialog', { name: /asks to see your screen/ });

/** Frames decoded so far by the agent's view of the shared screen. */
const decodedFrames = (page: Page) =>
	page.getByTestId('remote-screen').evaluate((video: HTMLVideoElement) => ({
		width: video.videoWidth,
		time: video.currentTime,
		frames: video.getVideoPlaybackQuality().totalVideoFrames
	}));

/** Agent and end user up to `ready` with the screen shared: returns both pages. */
async function upToReady(page: Page, browser: Browser, admin: Api) {
	const agent = await createAgent(admin, 'Sam');
	const request = await assignedRequest(admin, agent);
	const agentCsp = watchCsp(page);
	await signIn(page, agent);
	const pane = await openRequest(page, request.id);

	const user = await endUser(browser);
	await user.page.goto(request.link);
	await expect(user.page.getByRole('heading', { name: `Hello ${request.name},` })).toBeVisible();
	await expect(user.page.getByText(`${agent.name} from`)).toBeVisible();
	await expect(rowById(page, request.id)).toHaveAttribute('data-status', 'waiting');

	await pane.getByRole('button', { name: 'Connect' }).click();
	await expect(consent(user.page)).toBeVisible({ timeout: 3_000 });
	await consent(user.page).getByRole('button', { name: 'Allow' }).click();
	await expect(rowById(page, request.id)).toHaveAttribute('data-status', 'ready');
	await user.page.getByRole('button', { name: 'Share my screen' }).click();
	await expect(user.page.getByTestId('share-preview')).toBeVisible();
	return { agent, request, pane, user, agentCsp };
}

test('link opened, consent denied then allowed, a live screen with chat both ways, ended by the agent', async ({
	page,
	browser,
	request: http
}) => {
	test.setTimeout(90_000);
	const admin = await signInAdmin(http);
	const agent = await createAgent(admin, 'Sam');
	const request = await assignedRequest(admin, agent, { comments: 'Printer offline' });
	const agentCsp = watchCsp(page);
	await signIn(page, agent);
	const pane = await openRequest(page, request.id);
	await expect(rowById(page, request.id)).toHaveAttribute('data-status', 'open');

	const user = await endUser(browser);
	try {
		// The end user opens the link: the agent sees `waiting` without a reload.
		const response = await user.page.goto(request.link);
		const headers = response?.headers() ?? {};
		expect(headers['content-security-policy']).toContain("default-src 'self'");
		expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
		expect(headers['referrer-policy']).toBe('no-referrer');
		expect(headers['x-frame-options']).toBe('DENY');
		expect(headers['permissions-policy']).toContain('display-capture=(self)');
		await expect(user.page.getByRole('heading', { name: `Hello ${request.name},` })).toBeVisible();
		await expect(user.page.getByTestId('next-step')).toContainText('Keep this page open');
		await expect(rowById(page, request.id)).toHaveAttribute('data-status', 'waiting');

		// Connect → the end user is asked at once; Deny → the agent sees it.
		await pane.getByRole('button', { name: 'Connect' }).click();
		await expect(consent(user.page)).toBeVisible({ timeout: 2_000 });
		await expect(consent(user.page)).toContainText(`${agent.name} asks to see your screen`);
		await consent(user.page).getByRole('button', { name: 'Deny' }).click();
		await expect(consent(user.page)).toBeHidden();
		await expect(user.page.getByTestId('next-step')).toContainText('You denied access');
		await expect(pane.getByText('denied access')).toBeVisible({ timeout: 5_000 });
		await expect(rowById(page, request.id)).toHaveAttribute('data-status', 'waiting');

		// Connect again → Allow → ready on both sides.
		await pane.getByRole('button', { name: 'Connect' }).click();
		await expect(consent(user.page)).toBeVisible({ timeout: 2_000 });
		await consent(user.page).getByRole('button', { name: 'Allow' }).click();
		await expect(rowById(page, request.id)).toHaveAttribute('data-status', 'ready');
		await expect(user.page.getByTestId('link-page')).toHaveAttribute('data-status', 'ready');

		// The end user shares (their own click); the agent starts; the agent's video plays.
		await user.page.getByRole('button', { name: 'Share my screen' }).click();
		await expect(user.page.getByTestId('share-preview')).toBeVisible();
		await pane.getByRole('button', { name: 'Start session' }).click();
		const session = page.getByTestId('session-view');
		await expect(session).toBeVisible();
		await expect(page.getByTestId('viewer-state')).toHaveAttribute('data-state', 'connected', {
			timeout: 15_000
		});
		await expect(user.page.getByTestId('session-state')).toHaveAttribute('data-state', 'connected');
		await expect.poll(async () => (await decodedFrames(page)).width).toBeGreaterThan(0);
		const before = await decodedFrames(page);
		await expect
			.poll(async () => (await decodedFrames(page)).frames, { timeout: 5_000 })
			.toBeGreaterThan(before.frames);
		expect((await decodedFrames(page)).time).toBeGreaterThan(before.time);
		expect(await serverRequest(admin, request.id)).toMatchObject({ status: 'connected' });

		// Chat both ways, over the data channel.
		await session.getByLabel('Message').fill('Hello from the agent');
		await session.getByRole('button', { name: 'Send' }).click();
		await expect(user.page.getByTestId('chat-log')).toContainText('Hello from the agent');
		await user.page.getByLabel('Message').fill('Hi, thanks!');
		await user.page.getByLabel('Message').press('Enter');
		await expect(session.getByTestId('chat-log')).toContainText('Hi, thanks!');

		// The agent's pointer shows on the end user's preview.
		const screen = page.getByTestId('remote-screen');
		const box = await screen.boundingBox();
		if (!box) throw new Error('no video box');
		await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
		await page.mouse.move(box.x + box.width / 2 + 20, box.y + box.height / 2 + 10);
		await expect(user.page.getByTestId('agent-pointer')).toBeVisible();

		// The agent ends it: both sides see `closed`.
		await session.getByRole('button', { name: 'End session' }).click();
		await expect(rowById(page, request.id)).toHaveAttribute('data-status', 'closed', {
			timeout: 5_000
		});
		await expect(session).toBeHidden();
		await expect(user.page.getByTestId('link-page')).toHaveAttribute('data-status', 'closed');
		await expect(user.page.getByRole('heading', { name: 'The session has ended' })).toBeVisible();
		expect(await serverRequest(admin, request.id)).toMatchObject({
			status: 'closed',
			closedReason: 'completed'
		});

		// Neither page ran into the Content-Security-Policy.
		expect(agentCsp).toEqual([]);
		expect(user.violations).toEqual([]);
	} finally {
		await user.context.close();
	}
});

test('the end user ends the session from the link page', async ({ page, browser, request }) => {
	test.setTimeout(90_000);
	const admin = await signInAdmin(request);
	const { request: r, pane, user } = await upToReady(page, browser, admin);
	try {
		await pane.getByRole('button', { name: 'Start session' }).click();
		await expect(page.getByTestId('viewer-state')).toHaveAttribute('data-state', 'connected', {
			timeout: 15_000
		});
		await user.page.getByRole('button', { name: 'End session' }).click();
		await expect(user.page.getByRole('heading', { name: 'The session has ended' })).toBeVisible();
		await expect(rowById(page, r.id)).toHaveAttribute('data-status', 'closed', { timeout: 5_000 });
		await expect(page.getByTestId('session-view')).toBeHidden();
		const server = await serverRequest(admin, r.id);
		expect(server).toMatchObject({ status: 'closed', closedReason: 'completed' });
		expect(server.events.at(-1)).toMatchObject({ type: 'session_ended', actor: 'end_user' });
	} finally {
		await user.context.close();
	}
});

test('the agent reloads mid-session: the end user offers again and the screen comes back', async ({
	page,
	browser,
	request
}) => {
	test.setTimeout(90_000);
	const admin = await signInAdmin(request);
	const { request: r, pane, user } = await upToReady(page, browser, admin);
	try {
		await pane.getByRole('button', { name: 'Start session' }).click();
		const state = page.getByTestId('viewer-state');
		await expect(state).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });

		await page.reload();
		await openRequest(page, r.id);
		await expect(state).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
		await expect.poll(async () => (await decodedFrames(page)).frames).toBeGreaterThan(0);
		await expect(user.page.getByTestId('session-state')).toHaveAttribute('data-state', 'connected');

		// Chat works on the new connection.
		await user.page.getByLabel('Message').fill('Still here');
		await user.page.getByLabel('Message').press('Enter');
		await expect(page.getByTestId('session-view').getByTestId('chat-log')).toContainText(
			'Still here'
		);
	} finally {
		await user.context.close();
	}
});

test('the end user declines the request', async ({ browser, request }) => {
	const admin = await signInAdmin(request);
	const agent = await createAgent(admin, 'Sam');
	const r = await assignedRequest(admin, agent);
	const user = await endUser(browser);
	try {
		await user.page.goto(r.link);
		await user.page.getByRole('button', { name: 'Decline this session' }).click();
		await user.page.getByRole('button', { name: 'Yes, decline' }).click();
		await expect(
			user.page.getByRole('heading', { name: 'You declined this session' })
		).toBeVisible();
		expect(await serverRequest(admin, r.id)).toMatchObject({
			status: 'closed',
			closedReason: 'declined_by_user'
		});
	} finally {
		await user.context.close();
	}
});

test('an expired link and a replaced link show only the explanation', async ({
	browser,
	request
}) => {
	const admin = await signInAdmin(request);
	const agent = await createAgent(admin, 'Sam');
	const expiresAt = Date.now() + 1_500;
	const expiring = await assignedRequest(admin, agent, {
		expiresAt: new Date(expiresAt).toISOString()
	});
	const replaced = await assignedRequest(admin, agent);
	await admin.mutate('requests.regenerateLink', { id: replaced.id });

	const user = await endUser(browser);
	try {
		await user.page.goto(replaced.link);
		const dead = user.page.getByTestId('dead-link');
		await expect(dead).toBeVisible();
		await expect(dead).toContainText('This session link is not valid');
		await expect(user.page.getByText(replaced.name)).toHaveCount(0);
		await expect(user.page.getByText(agent.name)).toHaveCount(0);
		await expect(user.page.getByRole('button')).toHaveCount(0);

		// Past its expiry (the sweeper need not have run: every read reports it expired).
		await user.page.waitForTimeout(Math.max(0, expiresAt - Date.now() + 100));
		await user.page.goto(expiring.link);
		await expect(dead).toBeVisible();
		await expect(dead).toContainText('This session link has expired');
		await expect(user.page.getByText(expiring.name)).toHaveCount(0);
		await expect(user.page.getByRole('button')).toHaveCount(0);
	} finally {
		await user.context.close();
	}
});

test('a Spanish request shows the Spanish page', async ({ browser, request }) => {
	const admin = await signInAdmin(request);
	const agent = await createAgent(admin, 'Sam');
	const r = await assignedRequest(admin, agent, { emailLanguage: 'es' });
	const user = await endUser(browser);
	try {
		await user.page.goto(r.link);
		await expect(user.page.getByRole('heading', { name: `Hola, ${r.name}:` })).toBeVisible();
		await expect(user.page.getByRole('heading', { name: 'Qué pasará ahora' })).toBeVisible();
		await expect(user.page.getByTestId('next-step')).toContainText('Mantenga esta página abierta');
		await expect(user.page.getByRole('button', { name: 'Rechazar esta sesión' })).toBeVisible();
		expect(await user.page.evaluate(() => document.documentElement.lang)).toBe('es');
		expect(await user.page.title()).toMatch(/^Sesión de soporte/);
	} finally {
		await user.context.close();
	}
});
