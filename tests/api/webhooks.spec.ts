/**
 * Outbound webhooks against a real receiver on 127.0.0.1: every delivery's signature is checked
 * with the `standardwebhooks` library, as an integrator's receiver checks it. The test moves
 * the clock (Date only, so the library's timestamp tolerance follows it) and runs delivery passes
 * itself; the job's timers are not started.
 */
import { eq } from 'drizzle-orm';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { write } from '../../src/server/app';
import { mailOutbox, webhookDeliveries } from '../../src/server/db/schema';
import { deliverDueWebhooks } from '../../src/server/jobs/webhook-delivery';
import { outboxDue } from '../../src/server/services/outbox';
import { createRequest } from '../../src/server/services/requests';
import { loadAuthUser } from '../../src/server/services/users';
import { ApiClient, expectApiError } from '../support/client';
import { makeUser, startTestServer, type TestServer } from '../support/server';

const SECOND = 1_000;
const HOUR = 3_600_000;
const ALL_EVENTS = [
	'request.created',
	'request.updated',
	'request.assigned',
	'request.status_changed',
	'request.reopened',
	'session.started',
	'session.ended',
	'email.failed'
];

type Json = Record<string, any>;

interface Received {
	path: string;
	headers: IncomingHttpHeaders;
	body: string;
}

/** An integrator's endpoint: records what arrives and answers what the test says, per path. */
class Receiver {
	received: Received[] = [];
	/** Answers per path, used in turn; then 200. */
	answers = new Map<string, Array<{ status: number; headers?: Record<string, string> }>>();
	server!: Server;
	url = '';

	async start() {
		this.server = createServer((req, res) => {
			let body = '';
			req.setEncoding('utf8');
			req.on('data', (chunk) => (body += chunk));
			req.on('end', () => {
				const path = req.url ?? '/';
				this.received.push({ path, headers: req.headers, body });
				const answer = this.answers.get(path)?.shift() ?? { status: 200 };
				res.writeHead(answer.status, answer.headers).end('ok');
			});
		});
		await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}

	at(path: string) {
		return this.received.filter((r) => r.path === path);
	}

	stop() {
		this.server.closeAllConnections();
		return new Promise<void>((resolve) => this.server.close(() => resolve()));
	}
}

/** What a receiver does with a delivery: verify it with the library, then read it. */
function verified(secret: string, delivery: Received): Json {
	const headers = {
		'webhook-id': String(delivery.headers['webhook-id']),
		'webhook-timestamp': String(delivery.headers['webhook-timestamp']),
		'webhook-signature': String(delivery.headers['webhook-signature'])
	};
	return new Webhook(secret).verify(delivery.body, headers) as Json;
}

const tokenOf = (link: string) => link.slice(link.lastIndexOf('/s/') + 3);

describe('webhooks', () => {
	let server: TestServer;
	let receiver: Receiver;
	let admin: ApiClient;
	let adminId: string;
	let agentId: string;
	const endUser = () => new ApiClient(server.url);

	beforeAll(async () => {
		vi.useFakeTimers({ toFake: ['Date'] });
		vi.setSystemTime(Date.parse('2031-05-06T08:00:00.000Z'));
		receiver = new Receiver();
		await receiver.start();
		server = await startTestServer({
			clock: () => Date.now(),
			env: { BECKON_WEBHOOK_ALLOW_PRIVATE: '1' }
		});
		const adminUser = await makeUser(server.app, 'admin', 'edit');
		const agent = await makeUser(server.app, 'agent', 'edit');
		adminId = adminUser.id;
		agentId = agent.id;
		admin = new ApiClient(server.url);
		await admin.login(adminUser.email, adminUser.password);
	});

	afterAll(async () => {
		await server?.close();
		await receiver?.stop();
		vi.useRealTimers();
	});

	const deliver = () => deliverDueWebhooks(server.app);
	const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);
	const deliveriesOf = (endpointId: string) =>
		server.app.db
			.select()
			.from(webhookDeliveries)
			.where(eq(webhookDeliveries.endpointId, endpointId))
			.all();

	async function endpoint(path: string, events: string[] = ALL_EVENTS) {
		const created = await admin.mutate('webhooks.create', {
			url: `${receiver.url}${path}`,
			events,
			description: `receiver ${path}`
		});
		return created as { id: string; secret: string; endpoint: Json };
	}

	it('signs every event of a request’s life, with the request as the API returns it', async () => {
		const { id, secret } = await endpoint('/life');
		expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
		// The secret is shown once: the list never carries it.
		const listed = await admin.query('webhooks.list');
		expect(JSON.stringify(listed)).not.toContain(secret.slice(6));
		expect(listed.find((e: Json) => e.id === id)).toMatchObject({
			url: `${receiver.url}/life`,
			events: ALL_EVENTS,
			enabled: true,
			description: 'receiver /life'
		});

		const types: string[][] = [];
		const step = async () => {
			const before = receiver.at('/life').length;
			await deliver();
			const got = receiver
				.at('/life')
				.slice(before)
				.map((d) => verified(secret, d));
			types.push(got.map((b) => b.type).sort());
			return got;
		};

		const created = await admin.mutate('requests.create', {
			recipientName: 'Ada Lovelace',
			recipientEmail: 'ada@example.com',
			comments: 'Printer on fire'
		});
		const [first] = await step();
		const { link: _link, ...withoutLink } = created;
		expect(first).toEqual({
			type: 'request.created',
			timestamp: created.createdAt,
			data: withoutLink
		});
		expect(first.data).not.toHaveProperty('link');
		const headers = receiver.at('/life').at(-1)!.headers;
		expect(headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
		expect(headers['webhook-timestamp']).toBe(String(Math.floor(Date.now() / 1000)));
		expect(headers['content-type']).toBe('application/json');

		await admin.mutate('requests.update', { id: created.id, comments: 'Printer still on fire' });
		const [updated] = await step();
		expect(updated.data).toMatchObject({ comments: 'Printer still on fire', status: 'open' });
		await admin.mutate('requests.assign', {
			id: created.id,
			assignment: { kind: 'agent', userId: agentId }
		});
		const [assigned] = await step();
		expect(assigned.data.assignment).toEqual({ kind: 'agent', userId: agentId });

		const token = tokenOf(created.link);
		const page = endUser();
		await page.mutate('link.open', { token });
		const [opened] = await step();
		expect(opened).toMatchObject({
			type: 'request.status_changed',
			data: { id: created.id, status: 'waiting', from: 'open', to: 'waiting' }
		});
		await admin.mutate('requests.requestConnect', { id: created.id });
		expect(await step()).toEqual([]);
		await page.mutate('link.respond', { token, decision: 'allow' });
		await step();
		await admin.mutate('requests.start', { id: created.id });
		const started = await step();
		await admin.mutate('requests.end', { id: created.id });
		const ended = await step();
		expect(started.find((b) => b.type === 'request.status_changed')!.data).toMatchObject({
			from: 'ready',
			to: 'connected'
		});
		expect(ended.find((b) => b.type === 'session.ended')!.data).toMatchObject({
			status: 'closed',
			closedReason: 'completed'
		});
		await admin.mutate('requests.reopen', { id: created.id });
		const reopened = await step();
		expect(reopened.find((b) => b.type === 'request.status_changed')!.data).toMatchObject({
			from: 'closed',
			to: 'open'
		});

		expect(types).toEqual([
			['request.created'],
			['request.updated'],
			['request.assigned'],
			['request.status_changed'],
			[],
			['request.status_changed'],
			['request.status_changed', 'session.started'],
			['request.status_changed', 'session.ended'],
			['request.reopened', 'request.status_changed']
		]);

		// The delivery log: each one delivered, with its status code and latency.
		const log = await admin.query('webhooks.deliveries', { id });
		expect(log).toHaveLength(11);
		for (const entry of log) {
			expect(entry).toMatchObject({ status: 'delivered', attempts: 1, statusCode: 200 });
			expect(entry.latencyMs).toBeGreaterThanOrEqual(0);
		}
		await admin.mutate('webhooks.delete', { id });
	});

	it('sends only the events an endpoint subscribes to', async () => {
		const { id, secret } = await endpoint('/closed-only', ['request.status_changed']);
		const created = await admin.mutate('requests.create', { recipientName: 'Grace' });
		await admin.mutate('requests.close', { id: created.id });
		await deliver();
		const got = receiver.at('/closed-only').map((d) => verified(secret, d));
		expect(got.map((b) => [b.type, b.data.from, b.data.to])).toEqual([
			['request.status_changed', 'open', 'closed']
		]);
		await admin.mutate('webhooks.delete', { id });
	});

	it('retries after 500s with the same webhook-id, honours Retry-After, then delivers once', async () => {
		const { id, secret } = await endpoint('/flaky', ['request.created']);
		receiver.answers.set('/flaky', [
			{ status: 500 },
			{ status: 500 },
			{ status: 503, headers: { 'retry-after': '120' } }
		]);
		await admin.mutate('requests.create', { recipientName: 'Flaky' });

		const waits: number[] = [];
		for (let attempt = 1; attempt <= 3; attempt++) {
			expect(await deliver()).toEqual({ delivered: 0, retrying: 1, failed: 0 });
			const [row] = deliveriesOf(id);
			expect(row).toMatchObject({ status: 'pending', attempts: attempt });
			waits.push(row.nextAttemptAt - Date.now());
			// Not due yet: nothing is sent.
			advance(row.nextAttemptAt - Date.now() - 1);
			expect(await deliver()).toEqual({ delivered: 0, retrying: 0, failed: 0 });
			advance(1);
		}
		expect(await deliver()).toEqual({ delivered: 1, retrying: 0, failed: 0 });

		// Exponential backoff with jitter (10 s, then 20 s, ±25%), then the receiver's 120 s.
		expect(waits[0]).toBeGreaterThanOrEqual(7.5 * SECOND);
		expect(waits[0]).toBeLessThanOrEqual(12.5 * SECOND);
		expect(waits[1]).toBeGreaterThanOrEqual(15 * SECOND);
		expect(waits[1]).toBeLessThanOrEqual(25 * SECOND);
		expect(waits[2]).toBe(120 * SECOND);

		const attempts = receiver.at('/flaky');
		expect(attempts).toHaveLength(4);
		expect(new Set(attempts.map((a) => a.headers['webhook-id'])).size).toBe(1);
		// Each attempt is signed anew at its own time, and every one verifies.
		for (const attempt of attempts) expect(verified(secret, attempt).type).toBe('request.created');
		expect(new Set(attempts.map((a) => a.headers['webhook-timestamp'])).size).toBe(4);
		const [row] = deliveriesOf(id);
		expect(row).toMatchObject({ status: 'delivered', attempts: 4, lastStatusCode: 200 });
		await admin.mutate('webhooks.delete', { id });
	});

	it('does not follow redirects', async () => {
		const { id } = await endpoint('/moved', ['request.created']);
		receiver.answers.set('/moved', [
			{ status: 302, headers: { location: `${receiver.url}/life` } }
		]);
		const before = receiver.received.length;
		await admin.mutate('requests.create', { recipientName: 'Redirected' });
		expect(await deliver()).toEqual({ delivered: 0, retrying: 1, failed: 0 });
		expect(receiver.received.slice(before).map((r) => r.path)).toEqual(['/moved']);
		expect(deliveriesOf(id)[0].lastError).toContain('redirects are not followed');
		await admin.mutate('webhooks.delete', { id });
	});

	it('turns an endpoint off on 410 and tells the admins by email', async () => {
		const { id } = await endpoint('/gone', ['request.created']);
		receiver.answers.set('/gone', [{ status: 410 }]);
		await admin.mutate('requests.create', { recipientName: 'Gone 1' });
		expect(await deliver()).toEqual({ delivered: 0, retrying: 0, failed: 1 });
		const [listed] = (await admin.query('webhooks.list')).filter((e: Json) => e.id === id);
		expect(listed).toMatchObject({ enabled: false, disabledReason: 'gone' });
		const mails = server.app.db
			.select()
			.from(mailOutbox)
			.where(eq(mailOutbox.kind, 'webhook_disabled'))
			.all();
		expect(mails.map((m) => m.recipient)).toContain((await admin.query('auth.me')).user.email);
		expect(mails[0].text).toContain(`${receiver.url}/gone`);
		expect(mails[0].text).toContain('410');

		// Disabled: new events write nothing for it, and nothing is sent.
		const sent = receiver.at('/gone').length;
		await admin.mutate('requests.create', { recipientName: 'Gone 2' });
		await deliver();
		expect(deliveriesOf(id)).toHaveLength(1);
		expect(receiver.at('/gone')).toHaveLength(sent);

		// Turned on again by an admin, it receives new events.
		await admin.mutate('webhooks.update', { id, enabled: true });
		await admin.mutate('requests.create', { recipientName: 'Gone 3' });
		expect(await deliver()).toEqual({ delivered: 1, retrying: 0, failed: 0 });
		await admin.mutate('webhooks.delete', { id });
	});

	it('holds the deliveries of an endpoint an admin turned off: neither sent nor waking the job', async () => {
		const { id } = await endpoint('/paused', ['request.created']);
		await admin.mutate('webhooks.update', { id, enabled: false });
		// Queued while it was on, then turned off before the job ran.
		await admin.mutate('webhooks.update', { id, enabled: true });
		await admin.mutate('requests.create', { recipientName: 'Paused' });
		await admin.mutate('webhooks.update', { id, enabled: false });
		expect(deliveriesOf(id).map((d) => d.status)).toEqual(['pending']);
		expect(outboxDue(server.app, 'webhook_deliveries')).toBe(false);
		expect(await deliver()).toEqual({ delivered: 0, retrying: 0, failed: 0 });
		expect(receiver.at('/paused')).toHaveLength(0);

		await admin.mutate('webhooks.update', { id, enabled: true });
		expect(outboxDue(server.app, 'webhook_deliveries')).toBe(true);
		expect(await deliver()).toEqual({ delivered: 1, retrying: 0, failed: 0 });
		expect(receiver.at('/paused')).toHaveLength(1);
		expect(outboxDue(server.app, 'webhook_deliveries')).toBe(false);
		await admin.mutate('webhooks.delete', { id });
	});

	it('gives up after three days of failures and turns the endpoint off', async () => {
		const { id } = await endpoint('/down', ['request.created']);
		receiver.answers.set('/down', Array(100).fill({ status: 500 }));
		const start = Date.now();
		await admin.mutate('requests.create', { recipientName: 'Down' });
		let attempts = 0;
		for (;;) {
			const report = await deliver();
			attempts++;
			const [row] = deliveriesOf(id);
			if (report.failed === 1) {
				expect(row.status).toBe('failed');
				break;
			}
			expect(report.retrying).toBe(1);
			vi.setSystemTime(row.nextAttemptAt);
			expect(attempts).toBeLessThan(40);
		}
		const elapsed = Date.now() - start;
		expect(elapsed).toBeLessThanOrEqual(72 * HOUR);
		expect(elapsed).toBeGreaterThan(48 * HOUR);
		expect(receiver.at('/down')).toHaveLength(attempts);
		const [listed] = (await admin.query('webhooks.list')).filter((e: Json) => e.id === id);
		expect(listed).toMatchObject({ enabled: false, disabledReason: 'failing' });
		receiver.answers.delete('/down');
		await admin.mutate('webhooks.delete', { id });
	});

	it('delivers nothing for a change that was rolled back or refused', async () => {
		const { id } = await endpoint('/atomic');
		const app = server.app;
		const user = loadAuthUser(app, adminId)!;
		expect(() =>
			write(app, () => {
				createRequest(app, user, { recipientName: 'Never was' });
				throw new Error('rolled back');
			})
		).toThrow('rolled back');
		const created = await admin.mutate('requests.create', { recipientName: 'Refused start' });
		await expectApiError(admin.mutate('requests.start', { id: created.id }), 'CONFLICT');
		await deliver();
		const got = receiver.at('/atomic').map((d) => JSON.parse(d.body));
		expect(got.map((b) => [b.type, b.data.recipientName])).toEqual([
			['request.created', 'Refused start']
		]);
		expect(deliveriesOf(id)).toHaveLength(1);
		await admin.mutate('webhooks.delete', { id });
	});

	it('signs with the old and the new secret for a day after a rotation', async () => {
		const { id, secret: old } = await endpoint('/rotate', ['request.created']);
		const rotated = await admin.mutate('webhooks.rotateSecret', { id });
		expect(rotated.secret).toMatch(/^whsec_/);
		expect(rotated.secret).not.toBe(old);
		await admin.mutate('requests.create', { recipientName: 'Rotation 1' });
		await deliver();
		const during = receiver.at('/rotate').at(-1)!;
		expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
		expect(verified(old, during).type).toBe('request.created');
		expect(verified(rotated.secret, during).type).toBe('request.created');

		advance(24 * HOUR + SECOND);
		await admin.mutate('requests.create', { recipientName: 'Rotation 2' });
		await deliver();
		const after = receiver.at('/rotate').at(-1)!;
		expect(verified(rotated.secret, after).data.recipientName).toBe('Rotation 2');
		expect(() => verified(old, after)).toThrow('No matching signature');
		await admin.mutate('webhooks.delete', { id });
	});

	it('sends a test event on demand and reports its outcome', async () => {
		const { id, secret } = await endpoint('/test', ['request.created']);
		const result = await admin.mutate('webhooks.test', { id });
		expect(result).toMatchObject({
			eventType: 'webhook.test',
			status: 'delivered',
			statusCode: 200
		});
		expect(verified(secret, receiver.at('/test').at(-1)!)).toMatchObject({
			type: 'webhook.test',
			data: { endpointId: id }
		});
		receiver.answers.set('/test', [{ status: 500 }]);
		const failed = await admin.mutate('webhooks.test', { id });
		expect(failed).toMatchObject({ status: 'failed', statusCode: 500, error: 'HTTP 500' });
		// A failed test changes nothing about the endpoint.
		const [listed] = (await admin.query('webhooks.list')).filter((e: Json) => e.id === id);
		expect(listed.enabled).toBe(true);
		await admin.mutate('webhooks.delete', { id });
		await expectApiError(admin.query('webhooks.deliveries', { id }), 'NOT_FOUND');
	});

	it('refuses a private target at each delivery when private targets are not allowed', async () => {
		const { id } = await endpoint('/private', ['request.created']);
		server.app.config.webhookAllowPrivate = false;
		try {
			await admin.mutate('requests.create', { recipientName: 'Private' });
			expect(await deliver()).toEqual({ delivered: 0, retrying: 1, failed: 0 });
			expect(receiver.at('/private')).toHaveLength(0);
			expect(deliveriesOf(id)[0].lastError).toMatch(/127\.0\.0\.1.*private/);
		} finally {
			server.app.config.webhookAllowPrivate = true;
		}
		await admin.mutate('webhooks.delete', { id });
	});

	it('keeps no personal data in the payloads of an erased person’s requests', async () => {
		const { id, secret } = await endpoint('/erased', ['request.created', 'request.status_changed']);
		const created = await admin.mutate('requests.create', {
			recipientName: 'Erin Erased',
			recipientEmail: 'erin@example.com',
			comments: 'Call erin@example.com'
		});
		await deliver();
		await admin.mutate('privacy.erase', {
			email: 'erin@example.com',
			confirmEmail: 'erin@example.com'
		});
		const stored = deliveriesOf(id);
		expect(stored).toHaveLength(2);
		for (const row of stored) {
			expect(row.payload).not.toContain('erin');
			expect(row.payload).not.toContain('Erin');
		}
		// The closing the erasure made still goes out, without the person in it.
		await deliver();
		const closing = verified(secret, receiver.at('/erased').at(-1)!);
		expect(closing).toMatchObject({
			type: 'request.status_changed',
			data: { id: created.id, recipientName: 'anonymized', recipientEmail: null, comments: '' }
		});
		await admin.mutate('webhooks.delete', { id });
	});

	it('is for admins only, and checks its input', async () => {
		const agent = await makeUser(server.app, 'agent', 'edit');
		const client = new ApiClient(server.url);
		await client.login(agent.email, agent.password);
		await expectApiError(client.query('webhooks.list'), 'FORBIDDEN');
		await expectApiError(
			client.mutate('webhooks.create', { url: `${receiver.url}/x`, events: ['request.created'] }),
			'FORBIDDEN'
		);
		const bad = await expectApiError(
			admin.mutate('webhooks.create', { url: 'ftp://example.com/', events: ['request.created'] }),
			'BAD_REQUEST'
		);
		expect(bad.body.data.field).toBe('url');
		const none = await expectApiError(
			admin.mutate('webhooks.create', { url: `${receiver.url}/x`, events: [] }),
			'BAD_REQUEST'
		);
		expect(none.body.data.field).toBe('events');
		await expectApiError(
			admin.mutate('webhooks.create', { url: `${receiver.url}/x`, events: ['request.deleted'] }),
			'BAD_REQUEST'
		);
	});
});

describe('webhook targets without BECKON_WEBHOOK_ALLOW_PRIVATE', () => {
	let server: TestServer;
	let admin: ApiClient;

	beforeAll(async () => {
		server = await startTestServer();
		const user = await makeUser(server.app, 'admin', 'edit');
		admin = new ApiClient(server.url);
		await admin.login(user.email, user.password);
	});
	afterAll(() => server?.close());

	it.each([
		'http://127.0.0.1:9/hook',
		'http://localhost:9/hook',
		'http://[::1]/hook',
		'http://[::ffff:127.0.0.1]/hook',
		'http://10.1.2.3/hook',
		'http://172.16.0.1/hook',
		'http://192.168.1.1/hook',
		'http://169.254.169.254/latest/meta-data',
		'http://[fd00:ec2::254]/hook',
		'http://0.0.0.0/hook'
	])('refuses %s at create', async (url) => {
		const error = await expectApiError(
			admin.mutate('webhooks.create', { url, events: ['request.created'] }),
			'BAD_REQUEST'
		);
		expect(error.body.data.field).toBe('url');
		expect(error.message).toMatch(/private|loopback|does not resolve/);
		expect(await admin.query('webhooks.list')).toEqual([]);
	});
});
