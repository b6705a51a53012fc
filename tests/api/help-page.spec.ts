/**
 * Help pages (issue 21, item 4), over HTTP: an admin turns on a queue's public page; an end user
 * asks for help there and gets a waiting request in that queue, which the queue's agents are
 * poked about; the page's guards — off, outside its hours, per-address and per-queue limits, the
 * proof of work (wrong, forged, expired, replayed), the honeypot and the per-email cap — each
 * refuse with a reason and a detail the page can explain, and create nothing.
 */
import { createHash, randomUUID } from 'node:crypto';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { leadingZeroBits, powInput } from '../../src/lib/domain/help';
import { sessionRequests } from '../../src/server/db/schema';
import { ApiClient, expectApiError } from '../support/client';
import { makeUser, startTestServer, type TestServer } from '../support/server';
import { openStream } from '../support/sse';

type User = Awaited<ReturnType<typeof makeUser>>;

/** What the browser does: the first counter whose digest has the challenge's zero bits. */
function solve(challenge: string, bits: number): string {
	for (let n = 0; ; n++) {
		const digest = createHash('sha256')
			.update(powInput(challenge, String(n)))
			.digest();
		if (leadingZeroBits(digest) >= bits) return String(n);
	}
}

/** A solution that does not solve it (the puzzle's bits are 4: one in 16 does by chance). */
function nonSolution(challenge: string, bits: number): string {
	for (let n = 0; ; n++) {
		const digest = createHash('sha256')
			.update(powInput(challenge, `x${n}`))
			.digest();
		if (leadingZeroBits(digest) < bits) return `x${n}`;
	}
}

const MONDAY_10_UTC = Date.parse('2026-11-30T10:00:00Z');

describe('help pages', () => {
	let server: TestServer;
	let now = MONDAY_10_UTC;
	let admin: User;
	let member: User;
	let outsider: User;
	let adminApi: ApiClient;
	let memberApi: ApiClient;
	let outsiderApi: ApiClient;
	let queueId: string;
	let addressCounter = 0;

	async function signIn(user: User) {
		const client = new ApiClient(server.url);
		client.extraHeaders['x-forwarded-for'] = '192.0.2.1';
		await client.login(user.email, user.password);
		return client;
	}

	/** An end user's browser at an address of its own (or the one given). */
	function visitor(address = `198.51.100.${++addressCounter}`) {
		const client = new ApiClient(server.url);
		client.extraHeaders['x-forwarded-for'] = address;
		return client;
	}

	async function makeQueue(name: string, slug: string, hours: unknown = null) {
		const queue = (await adminApi.mutate('queues.create', { name, memberIds: [member.id] })).queue;
		await adminApi.mutate('queues.setHelpPage', {
			id: queue.id,
			enabled: true,
			slug,
			message: 'We answer within minutes.',
			hours
		});
		return queue.id as string;
	}

	/** Everything the page sends, with a solved challenge. */
	async function form(client: ApiClient, slug: string, fields: Record<string, unknown> = {}) {
		const { challenge, difficulty } = await client.mutate('help.challenge', { slug });
		return {
			slug,
			name: 'Ada Lovelace',
			email: `ada-${randomUUID()}@example.org`,
			problem: 'The printer prints nothing.',
			language: 'fr',
			website: '',
			challenge,
			solution: solve(challenge, difficulty),
			...fields
		};
	}

	const helpRequests = () =>
		server.app.db
			.select({ n: count() })
			.from(sessionRequests)
			.where(eq(sessionRequests.source, 'help_page'))
			.get()!.n;

	beforeAll(async () => {
		server = await startTestServer({
			clock: () => now,
			env: { BECKON_HELP_POW_BITS: '4', ADDRESS_HEADER: 'X-Forwarded-For', XFF_DEPTH: '1' }
		});
		[admin, member, outsider] = await Promise.all([
			makeUser(server.app, 'admin', 'edit'),
			makeUser(server.app, 'agent', 'edit'),
			makeUser(server.app, 'agent', 'edit')
		]);
		[adminApi, memberApi, outsiderApi] = await Promise.all([admin, member, outsider].map(signIn));
		queueId = await makeQueue('Printers', 'printers');
	});
	afterAll(() => server?.close());
	beforeEach(() => {
		now = MONDAY_10_UTC;
	});

	it('shows the page: queue, message, open, difficulty; the admin sees its settings', async () => {
		const page = await visitor().query('help.get', { slug: 'printers' });
		expect(page).toEqual({
			queueName: 'Printers',
			message: 'We answer within minutes.',
			open: true,
			hours: null,
			difficulty: 4
		});
		const queues = await adminApi.query('queues.list');
		expect(queues.find((q: { id: string }) => q.id === queueId).helpPage).toEqual({
			enabled: true,
			slug: 'printers',
			message: 'We answer within minutes.',
			hours: null
		});
	});

	it("creates a waiting request in the queue, from the help page, and pokes the queue's agents", async () => {
		const poke = await openStream(`${server.url}/api/trpc/sync.poke`, memberApi.cookie!, {
			'x-forwarded-for': '192.0.2.1'
		});
		await poke.waitFor(1, 5_000);
		const browser = visitor();
		const input = await form(browser, 'printers', {
			name: '  Grace Hopper ',
			email: 'Grace@Example.org'
		});
		const asked = await browser.mutate('help.ask', input);
		expect(asked.link).toBe(`http://127.0.0.1:1/s/${asked.token}`);

		// The member hears of it without asking, and pulls it.
		await poke.waitFor(2, 5_000);
		await poke.close();
		const pulled = await memberApi.query('sync.pull', { clientId: randomUUID() });
		const request = pulled.changes.find((r: { id: string }) => r.id === asked.requestId);
		expect(request).toEqual(
			expect.objectContaining({
				recipientName: 'Grace Hopper',
				recipientEmail: 'Grace@Example.org',
				comments: 'The printer prints nothing.',
				emailLanguage: 'fr',
				sendEmail: false,
				assignment: { kind: 'queue', queueId },
				status: 'waiting',
				source: 'help_page',
				createdBy: 'system',
				link: asked.link
			})
		);
		const detail = await memberApi.query('requests.get', { id: asked.requestId });
		expect(detail.events).toHaveLength(1);
		expect(detail.events[0]).toEqual(
			expect.objectContaining({
				type: 'created',
				actor: 'end_user',
				data: expect.objectContaining({
					assignment: { kind: 'queue', queueId },
					source: 'help_page',
					client: expect.objectContaining({ address: expect.stringMatching(/^198\.51\.100\./) })
				})
			})
		);

		// The end user's link page shows it waiting, in their language.
		const view = await browser.query('link.get', { token: asked.token });
		expect(view.status).toBe('waiting');
		expect(view.language).toBe('fr');

		// An agent outside the queue does not see it; no email was written for it.
		await expectApiError(
			outsiderApi.query('requests.get', { id: asked.requestId }),
			'NOT_FOUND',
			'not_found'
		);
		const outbox = await adminApi.query('mail.outbox');
		expect(outbox.filter((m: { recipient: string }) => /grace/i.test(m.recipient))).toEqual([]);
	});

	it('refuses a page that is off or unknown, and one turned off again', async () => {
		const offId = (await adminApi.mutate('queues.create', { name: 'Quiet', memberIds: [] })).queue
			.id;
		await adminApi.mutate('queues.setHelpPage', {
			id: offId,
			enabled: false,
			slug: 'quiet',
			message: '',
			hours: null
		});
		for (const slug of ['quiet', 'nowhere']) {
			const error = await expectApiError(
				visitor().query('help.get', { slug }),
				'NOT_FOUND',
				'not_found'
			);
			expect(error.body.data.detail).toBe('off');
			const refused = await expectApiError(
				visitor().mutate('help.challenge', { slug }),
				'NOT_FOUND',
				'not_found'
			);
			expect(refused.body.data.detail).toBe('off');
		}
		// A form loaded while the page was on is refused once it is off.
		const browser = visitor();
		const input = await form(browser, 'printers');
		await adminApi.mutate('queues.setHelpPage', {
			id: queueId,
			enabled: false,
			slug: 'printers',
			message: 'We answer within minutes.',
			hours: null
		});
		const before = helpRequests();
		const error = await expectApiError(browser.mutate('help.ask', input), 'NOT_FOUND');
		expect(error.body.data.detail).toBe('off');
		expect(helpRequests()).toBe(before);
		await adminApi.mutate('queues.setHelpPage', {
			id: queueId,
			enabled: true,
			slug: 'printers',
			message: 'We answer within minutes.',
			hours: null
		});
	});

	it('is closed outside its opening hours, in its time zone', async () => {
		await makeQueue('Office hours', 'office', {
			timeZone: 'Europe/Paris',
			days: [1, 2, 3, 4, 5],
			from: '09:00',
			to: '17:00'
		});
		const browser = visitor();
		// Monday 10:00 UTC is 11:00 in Paris: open.
		expect((await browser.query('help.get', { slug: 'office' })).open).toBe(true);
		const input = await form(browser, 'office');
		// Monday 16:30 UTC is 17:30 in Paris: closed.
		now = Date.parse('2026-11-30T16:30:00Z');
		const page = await browser.query('help.get', { slug: 'office' });
		expect(page.open).toBe(false);
		expect(page.hours).toEqual({
			timeZone: 'Europe/Paris',
			days: [1, 2, 3, 4, 5],
			from: '09:00',
			to: '17:00'
		});
		const before = helpRequests();
		const error = await expectApiError(browser.mutate('help.ask', input), 'CONFLICT', 'conflict');
		expect(error.body.data.detail).toBe('closed');
		// Saturday 10:00 is closed too.
		now = Date.parse('2026-12-05T10:00:00Z');
		expect((await browser.query('help.get', { slug: 'office' })).open).toBe(false);
		expect(helpRequests()).toBe(before);
		now = Date.parse('2026-12-07T08:30:00Z');
		await browser.mutate('help.ask', await form(browser, 'office'));
		expect(helpRequests()).toBe(before + 1);
	});

	it('refuses a wrong, forged, foreign, expired or replayed proof of work', async () => {
		const otherId = await makeQueue('Network', 'network');
		expect(otherId).not.toBe(queueId);
		const before = helpRequests();
		const detailOf = async (input: unknown, field: string) => {
			const error = await expectApiError(visitor().mutate('help.ask', input), 'BAD_REQUEST');
			expect(error.body.data.field).toBe(field);
			return error.body.data.detail;
		};

		const wrong = await form(visitor(), 'printers');
		wrong.solution = nonSolution(wrong.challenge, 4);
		expect(await detailOf(wrong, 'solution')).toBe('wrong');

		const forged = await form(visitor(), 'printers');
		const [expires, , nonce, mac] = forged.challenge.split('.');
		// Claiming an easier puzzle breaks the signature.
		const easier = `${expires}.0.${nonce}.${mac}`;
		expect(await detailOf({ ...forged, challenge: easier, solution: '0' }, 'challenge')).toBe(
			'forged'
		);
		// A challenge another page issued is not one of this page's.
		const foreign = await form(visitor(), 'network');
		expect(await detailOf({ ...foreign, slug: 'printers' }, 'challenge')).toBe('forged');

		const late = await form(visitor(), 'printers');
		now += 5 * 60_000 + 1;
		expect(await detailOf(late, 'challenge')).toBe('expired');
		now = MONDAY_10_UTC;

		const once = await form(visitor(), 'printers');
		await visitor().mutate('help.ask', once);
		expect(await detailOf({ ...once, email: 'other@example.org' }, 'challenge')).toBe('replayed');
		expect(helpRequests()).toBe(before + 1);
	});

	it('refuses a form whose hidden honeypot field was filled', async () => {
		const before = helpRequests();
		const browser = visitor();
		const error = await expectApiError(
			browser.mutate('help.ask', await form(browser, 'printers', { website: 'http://spam' })),
			'FORBIDDEN',
			'forbidden'
		);
		expect(error.body.data.detail).toBe('honeypot');
		expect(helpRequests()).toBe(before);
	});

	it('limits requests per address (5 an hour), not other addresses', async () => {
		const address = '203.0.113.7';
		for (let k = 0; k < 5; k++) {
			await visitor(address).mutate('help.ask', await form(visitor(address), 'printers'));
		}
		const before = helpRequests();
		const error = await expectApiError(
			visitor(address).mutate('help.ask', await form(visitor(address), 'printers')),
			'TOO_MANY_REQUESTS',
			'rate_limited'
		);
		expect(error.body.data.detail).toBe('address');
		expect(helpRequests()).toBe(before);
		await visitor('203.0.113.8').mutate('help.ask', await form(visitor(), 'printers'));
		// An hour later the address may ask again.
		now += 60 * 60_000;
		await visitor(address).mutate('help.ask', await form(visitor(address), 'printers'));
		expect(helpRequests()).toBe(before + 2);
	});

	it('limits requests per queue (30 in 10 minutes), whatever the addresses', async () => {
		await makeQueue('Busy', 'busy');
		for (let k = 0; k < 30; k++) {
			const browser = visitor();
			await browser.mutate('help.ask', await form(browser, 'busy'));
		}
		const before = helpRequests();
		const browser = visitor();
		const error = await expectApiError(
			browser.mutate('help.ask', await form(browser, 'busy')),
			'TOO_MANY_REQUESTS',
			'rate_limited'
		);
		expect(error.body.data.detail).toBe('queue');
		// Another queue's page is not held back.
		await browser.mutate('help.ask', await form(browser, 'printers'));
		expect(helpRequests()).toBe(before + 1);
		now += 10 * 60_000;
		const later = visitor();
		await later.mutate('help.ask', await form(later, 'busy'));
	});

	it('caps open help-page requests per email address (2), whatever its case', async () => {
		const ask = async (email: string) => {
			const browser = visitor();
			return browser.mutate('help.ask', await form(browser, 'printers', { email }));
		};
		const first = await ask('lin@example.org');
		await ask('Lin@Example.org');
		const before = helpRequests();
		const error = await expectApiError(ask('LIN@example.org'), 'TOO_MANY_REQUESTS', 'rate_limited');
		expect(error.body.data.detail).toBe('email');
		expect(helpRequests()).toBe(before);
		// Once one is closed, another may be asked for.
		await memberApi.mutate('requests.close', { id: first.requestId });
		await ask('lin@example.org');
		expect(helpRequests()).toBe(before + 1);
	});

	it('lets only admins set a help page, with a valid and unique address', async () => {
		const settings = { id: queueId, enabled: true, slug: 'printers', message: '', hours: null };
		await expectApiError(memberApi.mutate('queues.setHelpPage', settings), 'FORBIDDEN');
		const other = (await adminApi.mutate('queues.create', { name: 'Other', memberIds: [] })).queue;
		const taken = await expectApiError(
			adminApi.mutate('queues.setHelpPage', { ...settings, id: other.id }),
			'BAD_REQUEST',
			'invalid'
		);
		expect(taken.body.data.field).toBe('slug');
		const bad = await expectApiError(
			adminApi.mutate('queues.setHelpPage', { ...settings, id: other.id, slug: 'Not OK!' }),
			'BAD_REQUEST',
			'invalid'
		);
		expect(bad.body.data.field).toBe('slug');
		const hours = await expectApiError(
			adminApi.mutate('queues.setHelpPage', {
				...settings,
				id: other.id,
				slug: 'other',
				hours: { timeZone: 'Mars/Olympus', days: [1], from: '09:00', to: '17:00' }
			}),
			'BAD_REQUEST',
			'invalid'
		);
		expect(hours.body.data.field).toBe('hours.timeZone');
	});
});
