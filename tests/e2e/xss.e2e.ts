/**
 * Hostile text in every field (issue 10, part 4), checked in Chromium: script payloads in the
 * recipient's name, email and comments, a queue's name, an agent's name, the organisation's name
 * and the live session's chat never run — not in the agent app, not on the link page, not in the
 * emails (each outbox message's HTML rendered in a page of its own, with no CSP to help). Each
 * payload would set `window.__xss` or leave an element marked `data-xss`; both are checked, so a
 * payload stopped only by the Content-Security-Policy still counts as a failure of escaping.
 * Also here: a form on another site cannot make the agent's browser change anything.
 */
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Api, ADMIN, createAgent, detail, rowById, signIn, signInAdmin, tag } from './support';

/** Markup that would run (or leave a `data-xss` element) if it were ever taken as HTML. */
const payload = (field: string) =>
	`"><img src=x data-xss onerror="window.__xss='${field}'"><script>window.__xss='${field}'</script>`;
/** For the fields of 100 characters. */
const short = (field: string) => `<svg data-xss onload="window.__xss='${field}'">`;
/** Template-engine and attribute breakouts, for the long fields. */
const extra = `' onfocus='window.__xss=1' autofocus x='{{constructor.constructor("window.__xss=1")()}}`;
/** Addresses allow quotes: enough to break out of a carelessly built attribute. */
const EMAIL = `o'hara'+x@example.com`;

/** Records what a payload could do to a page: the canary, and CSP refusals. */
async function watch(context: BrowserContext) {
	await context.addInitScript(() => {
		const w = window as unknown as { __xss?: string; __csp: string[] };
		w.__csp = [];
		document.addEventListener('securitypolicyviolation', (e) =>
			w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`)
		);
	});
}

/** Nothing ran and nothing was injected, while the payload is shown as the text it is. */
async function expectInert(page: Page, where: string) {
	const state = await page.evaluate(() => ({
		xss: (window as unknown as { __xss?: string }).__xss ?? null,
		injected: document.querySelectorAll('[data-xss]').length,
		csp: (window as unknown as { __csp?: string[] }).__csp ?? []
	}));
	expect(state, where).toEqual({ xss: null, injected: 0, csp: [] });
}

async function endUser(browser: Browser) {
	const context = await browser.newContext();
	await watch(context);
	return { context, page: await context.newPage() };
}

test('script payloads in every text field stay text: agent app, link page, chat and emails', async ({
	page,
	context,
	browser,
	request
}) => {
	test.setTimeout(120_000);
	const admin = await signInAdmin(request);
	const t = tag();
	const before = await admin.query('settings.get');
	const names = {
		recipient: `Rosa ${t} ${payload('recipient')}`,
		comments: `Printer ${payload('comments')} ${extra}`,
		agent: `Agent ${t} ${payload('agent')}`,
		queue: `Q ${t} ${short('queue')}`,
		organization: `Org ${payload('org')}`
	};
	const { user: agentUser } = await admin.mutate('users.create', {
		email: `xss-${t}@example.com`,
		name: names.agent,
		password: `password-${t}`,
		role: 'agent',
		permission: 'edit'
	});
	const agent = { email: `xss-${t}@example.com`, password: `password-${t}` };
	const { queue } = await admin.mutate('queues.create', {
		name: names.queue,
		memberIds: [agentUser.id]
	});
	await admin.mutate('settings.update', { organizationName: names.organization });
	const endUserSide = await endUser(browser);
	try {
		const mine = await admin.mutate('requests.create', {
			recipientName: names.recipient,
			recipientEmail: EMAIL,
			sendEmail: true,
			comments: names.comments,
			scheduledAt: new Date(Date.now() + 2 * 3_600_000).toISOString(),
			assignment: { kind: 'agent', userId: agentUser.id }
		});
		await admin.mutate('requests.create', {
			recipientName: `Queued ${t} ${payload('queued')}`,
			assignment: { kind: 'queue', queueId: queue.id }
		});

		// The agent app: list, detail, timeline, pickers.
		await watch(context);
		await signIn(page, agent);
		await expect(rowById(page, mine.id)).toContainText(names.recipient);
		await rowById(page, mine.id).getByRole('button').click();
		const pane = detail(page);
		await expect(pane.getByRole('heading', { name: names.recipient })).toBeVisible();
		await expect(pane).toContainText(names.comments);
		await expect(pane).toContainText(EMAIL);
		await expect(page.getByText(names.queue).first()).toBeAttached();
		await expectInert(page, 'agent app');

		// The link page, as the end user sees it.
		const user = endUserSide.page;
		await user.goto(mine.link);
		await expect(user.getByRole('heading', { name: `Hello ${names.recipient},` })).toBeVisible();
		await expect(user.getByText(names.agent).first()).toBeVisible();
		await expect(user.getByText(names.organization).first()).toBeAttached();
		await expectInert(user, 'link page');

		// A live session and its chat, both ways.
		await expect(rowById(page, mine.id)).toHaveAttribute('data-status', 'waiting');
		await pane.getByRole('button', { name: 'Connect' }).click();
		const consent = user.getByRole('dialog', { name: /asks to see your screen/ });
		await expect(consent).toBeVisible({ timeout: 5_000 });
		await expect(consent).toContainText(names.agent);
		await consent.getByRole('button', { name: 'Allow' }).click();
		await expect(rowById(page, mine.id)).toHaveAttribute('data-status', 'ready');
		await user.getByRole('button', { name: 'Share my screen' }).click();
		await pane.getByRole('button', { name: 'Start session' }).click();
		const session = page.getByTestId('session-view');
		await expect(page.getByTestId('viewer-state')).toHaveAttribute('data-state', 'connected', {
			timeout: 20_000
		});
		const fromAgent = `agent says ${payload('chat-agent')} ${extra}`;
		const fromUser = `user says ${payload('chat-user')} ${extra}`;
		await session.getByLabel('Message').fill(fromAgent);
		await session.getByRole('button', { name: 'Send' }).click();
		await expect(user.getByTestId('chat-log')).toContainText(fromAgent);
		await user.getByLabel('Message').fill(fromUser);
		await user.getByLabel('Message').press('Enter');
		await expect(session.getByTestId('chat-log')).toContainText(fromUser);
		await expectInert(page, 'agent app in session');
		await expectInert(user, 'link page in session');

		// The admin's screens list the users and queues.
		const adminContext = await browser.newContext();
		await watch(adminContext);
		const adminPage = await adminContext.newPage();
		await signIn(adminPage, ADMIN);
		await expectInert(adminPage, 'admin: requests');
		await adminPage.goto('/admin');
		await adminPage.waitForLoadState('networkidle');
		await expectInert(adminPage, 'admin screens');
		await adminContext.close();

		// Every email about the request, rendered as a mail client would, with no CSP.
		const outbox = (await admin.query('mail.outbox')) as { id: string; requestId: string }[];
		const mails = outbox.filter((m) => m.requestId === mine.id);
		expect(mails.length).toBeGreaterThanOrEqual(2); // the invitation and the agent's notice
		const reader = await browser.newContext({ javaScriptEnabled: true });
		await watch(reader);
		for (const { id } of mails) {
			const mail = await admin.query('mail.get', { id });
			const view = await reader.newPage();
			await view.setContent(mail.html, { waitUntil: 'load' });
			await expectInert(view, `email ${mail.kind}`);
			const text = await view.evaluate(() => document.body.innerText);
			if (mail.kind === 'invitation') expect(text).toContain(names.recipient);
			if (mail.kind === 'assigned') expect(text).toContain(names.comments);
			for (const header of [mail.subject, mail.recipientName ?? '']) {
				expect(header).not.toMatch(/[\r\n]/);
			}
			await view.close();
		}
		await reader.close();
	} finally {
		await admin.mutate('settings.update', { organizationName: before.organizationName });
		await endUserSide.context.close();
	}
});

test('a form on another site cannot act for the signed-in agent', async ({
	page,
	context,
	request
}, testInfo) => {
	const admin = await signInAdmin(request);
	const agent = await createAgent(admin, 'Csrf');
	await signIn(page, agent);
	const base = new URL(testInfo.project.use.baseURL as string);
	const target = `${base.origin}/api/trpc/requests.create`;
	const name = `CSRF ${tag()}`;
	// A page of another site that the agent happens to open (localhost is not the same site as
	// 127.0.0.1, and both are on this machine, so the browser's local-network checks stay out of
	// the way), posting to Beckon the ways a form can.
	const html = `<!doctype html><body>
				<form id="plain" method="POST" action="${target}" enctype="text/plain" target="one">
					<input name='{"recipientName":"${name}","x":"' value='"}'>
				</form>
				<form id="urlencoded" method="POST" action="${target}" target="two">
					<input name="recipientName" value="${name}">
				</form>
				<iframe name="one"></iframe>
				<iframe name="two"></iframe>
				<script>
					document.getElementById('plain').submit();
					document.getElementById('urlencoded').submit();
				</script>
			</body>`;
	const site = createServer((_req, res) => {
		res.writeHead(200, { 'content-type': 'text/html' });
		res.end(html);
	});
	await new Promise<void>((done) => site.listen(0, '127.0.0.1', done));
	const evilUrl = `http://localhost:${(site.address() as AddressInfo).port}/`;
	const evil = await context.newPage();
	const answers: number[] = [];
	evil.on('response', (response) => {
		if (response.url() === target) answers.push(response.status());
	});
	await evil.goto(evilUrl);
	await expect.poll(() => answers.length, { timeout: 10_000 }).toBe(2);
	for (const status of answers) expect(status).toBeGreaterThanOrEqual(400);
	// And nothing was created, by anyone.
	const asAgent = new Api(page.request);
	const { items } = await asAgent.query('requests.list', { search: name });
	expect(items).toEqual([]);
	expect((await admin.query('requests.list', { search: name })).items).toEqual([]);
	site.close();
});
