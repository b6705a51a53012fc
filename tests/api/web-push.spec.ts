/**
 * Web Push end to end: a subscription made as a browser makes it, a change that calls the agent
 * to act, and the push as a push service on 127.0.0.1 receives it — decrypted here with the
 * subscription's private key, its VAPID JWT verified — with retries, subscriptions dropped on
 * 410, nothing for a refused or rolled-back change, and the SSRF guard without
 * BECKON_PUSH_ALLOW_PRIVATE.
 */
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { pushOutbox, pushSubscriptions, serverKeys } from '../../src/server/db/schema';
import * as pushDeliveryJob from '../../src/server/jobs/push-delivery';
import { deliverDuePushes, pushRetryDelay } from '../../src/server/jobs/push-delivery';
import { sendDueReminders } from '../../src/server/jobs/reminders';
import { loadOrCreateVapidKeys } from '../../src/server/push/vapid';
import { MAX_DEVICES_PER_USER } from '../../src/server/services/push';
import { assignRequest } from '../../src/server/services/requests';
import { loadAuthUser, type AuthUser } from '../../src/server/services/users';
import { ApiClient, expectApiError } from '../support/client';
import {
	BrowserSubscription,
	startPushService,
	verifyVapid,
	type PushService
} from '../support/push-service';
import { rolledBack } from '../support/rolled-back';
import { makeUser, signIn, startTestServer, type TestServer } from '../support/server';

const T0 = Date.parse('2030-05-06T09:00:00.000Z');
let now = T0;
let server: TestServer;
let push: PushService;
let admin: ApiClient;
let agent: ApiClient;
let agentUser: Awaited<ReturnType<typeof makeUser>>;
let adminUser: Awaited<ReturnType<typeof makeUser>>;
let serial = 0;

const tokenOf = (link: string) => link.slice(link.lastIndexOf('/s/') + 3);

/** A new browser subscription of the agent's, subscribed through the API. */
async function subscribeAgent(client = agent, label = 'Tablet') {
	serial += 1;
	const browser = new BrowserSubscription(`${push.origin}/push/device-${serial}`);
	await client.mutate('push.subscribe', { ...browser.toJSON(), label });
	return browser;
}

function outbox() {
	return server.app.db.select().from(pushOutbox).orderBy(asc(pushOutbox.createdAt)).all();
}

const deliver = () => deliverDuePushes(server.app);

beforeAll(async () => {
	push = await startPushService();
	server = await startTestServer({
		clock: () => now,
		env: { BECKON_PUSH_ALLOW_PRIVATE: '1', BECKON_MAIL_FROM: 'Beckon <noreply@beckon.test>' }
	});
	adminUser = await makeUser(server.app, 'admin', 'edit');
	agentUser = await makeUser(server.app, 'agent', 'edit');
	admin = await signIn(server, adminUser);
	agent = await signIn(server, agentUser);
});

afterAll(async () => {
	await server?.close();
	await push?.close();
});

beforeEach(async () => {
	// Each test starts with no devices and nothing waiting.
	server.app.db.delete(pushSubscriptions).run();
	push.received.length = 0;
	push.answers.length = 0;
	await agent.mutate('push.setPreferences', {
		events: ['waiting', 'ready', 'declined', 'assigned', 'queued', 'due'],
		sound: false
	});
});

describe('Web Push', () => {
	it('keeps one VAPID key pair in the database and gives its public key', async () => {
		const { key } = await new ApiClient(server.url).query('push.vapidPublicKey');
		expect(Buffer.from(key, 'base64url')).toHaveLength(65);
		expect(key).toBe(server.app.vapid.publicKey);
		const stored = server.app.db
			.select()
			.from(serverKeys)
			.where(eq(serverKeys.name, 'vapid-keys'))
			.get();
		expect(stored?.value.startsWith(`${key}.`)).toBe(true);
		// Another start on the same database (a restart, another instance) keeps the same pair.
		expect(loadOrCreateVapidKeys(server.app.sqlite)).toEqual(server.app.vapid);
	});

	it('pushes an encrypted, VAPID-signed alert the subscription’s private key decrypts', async () => {
		const browser = await subscribeAgent();
		const created = await admin.mutate('requests.create', {
			recipientName: 'Lucía Fernández',
			assignment: { kind: 'agent', userId: agentUser.id }
		});
		expect(outbox()).toHaveLength(1);
		expect(await deliver()).toEqual({ delivered: 1, retrying: 0, failed: 0, dropped: 0 });
		expect(outbox()).toHaveLength(0);

		const [received] = push.received;
		expect(received.path).toBe(new URL(browser.endpoint).pathname);
		expect(received.headers['content-encoding']).toBe('aes128gcm');
		expect(received.headers.ttl).toBe('3600');
		expect(received.headers.urgency).toBe('high');
		expect(received.headers.topic).toBe(created.id.replaceAll('-', ''));
		expect(JSON.parse(browser.decrypt(received.body))).toEqual({
			requestId: created.id,
			status: 'open',
			kind: 'assigned',
			firstName: 'Lucía',
			tag: `request-${created.id}`
		});

		const { key, claims } = verifyVapid(received.headers.authorization);
		expect(key).toBe(server.app.vapid.publicKey);
		expect(claims.aud).toBe(push.origin);
		expect(claims.sub).toBe('mailto:noreply@beckon.test');
		const seconds = Date.now() / 1000;
		expect(claims.exp).toBeGreaterThan(seconds);
		expect(claims.exp).toBeLessThanOrEqual(seconds + 24 * 3600);

		// The end user opens the link: the agent hears that someone is waiting.
		await new ApiClient(server.url).mutate('link.open', { token: tokenOf(created.link) });
		expect(await deliver()).toMatchObject({ delivered: 1 });
		expect(JSON.parse(browser.decrypt(push.received[1].body))).toMatchObject({
			requestId: created.id,
			status: 'waiting',
			kind: 'waiting'
		});
		const [device] = await agent.query('push.devices');
		expect(device).toMatchObject({ label: 'Tablet', service: new URL(push.origin).host });
		expect(device.lastSuccessAt).toBe(new Date(now).toISOString());
	});

	it('alerts when the person allows or declines, and when a scheduled session is due', async () => {
		const browser = await subscribeAgent();
		const endUser = new ApiClient(server.url);
		const kinds = async () => {
			const before = push.received.length;
			await deliver();
			return push.received.slice(before).map((r) => JSON.parse(browser.decrypt(r.body)).kind);
		};

		const allowing = await admin.mutate('requests.create', {
			recipientName: 'Hana',
			assignment: { kind: 'agent', userId: agentUser.id }
		});
		const token = tokenOf(allowing.link);
		await endUser.mutate('link.open', { token });
		expect(await kinds()).toEqual(['assigned', 'waiting']);
		// The agent's own move alerts nobody; the person's answer does.
		await agent.mutate('requests.requestConnect', { id: allowing.id });
		expect(outbox()).toHaveLength(0);
		await endUser.mutate('link.respond', { token, decision: 'allow' });
		expect(await kinds()).toEqual(['ready']);

		const declining = await agent.mutate('requests.create', { recipientName: 'Ivo' });
		expect(outbox()).toHaveLength(0); // made by the agent, for the agent
		await endUser.mutate('link.decline', { token: tokenOf(declining.link) });
		expect(await kinds()).toEqual(['declined']);

		await agent.mutate('requests.create', {
			recipientName: 'Jon',
			scheduledAt: new Date(now + 60 * 60_000).toISOString()
		});
		expect(sendDueReminders(server.app)).toBe(0);
		now += 50 * 60_000; // within the 15-minute reminder lead
		expect(sendDueReminders(server.app)).toBe(1);
		expect(await kinds()).toEqual(['due']);
	});

	it('reaches every device of a queue’s members, not the agent who made the change', async () => {
		const phone = await subscribeAgent(agent, 'Phone');
		const adminBrowser = await subscribeAgent(admin, 'Desk');
		const { queue } = await admin.mutate('queues.create', {
			name: `Second line ${serial}`,
			memberIds: [agentUser.id, adminUser.id]
		});
		await admin.mutate('requests.create', {
			recipientName: 'Ana',
			assignment: { kind: 'queue', queueId: queue.id }
		});
		// The admin put it there: only the agent hears of it.
		expect(outbox().map((row) => row.subscriptionId)).toHaveLength(1);
		await deliver();
		expect(push.received).toHaveLength(1);
		expect(JSON.parse(phone.decrypt(push.received[0].body))).toMatchObject({ kind: 'queued' });
		expect(() => adminBrowser.decrypt(push.received[0].body)).toThrow();
	});

	it('honours the agent’s choice of alerts', async () => {
		await subscribeAgent();
		await agent.mutate('push.setPreferences', { events: ['ready'] });
		expect(await agent.query('push.preferences')).toEqual({ events: ['ready'], sound: false });
		await admin.mutate('requests.create', {
			recipientName: 'Bruno',
			assignment: { kind: 'agent', userId: agentUser.id }
		});
		expect(outbox()).toHaveLength(0);
	});

	it('is sent by the delivery job as soon as its change commits', async () => {
		const browser = await subscribeAgent();
		const stop = pushDeliveryJob.start(server.app, { intervalMs: 3_600_000 });
		try {
			const created = await admin.mutate('requests.create', {
				recipientName: 'Kim',
				assignment: { kind: 'agent', userId: agentUser.id }
			});
			await vi.waitFor(() => expect(push.received).toHaveLength(1), { timeout: 5_000 });
			expect(JSON.parse(browser.decrypt(push.received[0].body))).toMatchObject({
				requestId: created.id,
				kind: 'assigned'
			});
		} finally {
			await stop();
		}
	});

	it('retries after a 500 and delivers the same push', async () => {
		const browser = await subscribeAgent();
		push.answers.push(500);
		const created = await admin.mutate('requests.create', {
			recipientName: 'Carla',
			assignment: { kind: 'agent', userId: agentUser.id }
		});
		expect(await deliver()).toEqual({ delivered: 0, retrying: 1, failed: 0, dropped: 0 });
		const [waiting] = outbox();
		expect(waiting).toMatchObject({
			status: 'pending',
			attempts: 1,
			nextAttemptAt: now + pushRetryDelay(1)
		});
		expect(waiting.lastError).toMatch(/^500/);
		// Not due yet.
		expect(await deliver()).toMatchObject({ delivered: 0, retrying: 0 });
		now += pushRetryDelay(1);
		expect(await deliver()).toMatchObject({ delivered: 1 });
		expect(outbox()).toHaveLength(0);
		expect(push.received).toHaveLength(2);
		const payloads = push.received.map((r) => JSON.parse(browser.decrypt(r.body)));
		expect(payloads[0]).toEqual(payloads[1]);
		expect(payloads[1]).toMatchObject({ requestId: created.id, tag: `request-${created.id}` });
	});

	it('removes a subscription the push service says is gone (410)', async () => {
		await subscribeAgent();
		push.answers.push(410);
		await admin.mutate('requests.create', {
			recipientName: 'Dora',
			assignment: { kind: 'agent', userId: agentUser.id }
		});
		expect(await deliver()).toEqual({ delivered: 0, retrying: 0, failed: 0, dropped: 1 });
		expect(await agent.query('push.devices')).toEqual([]);
		expect(outbox()).toHaveLength(0);
	});

	it('pushes nothing for a refused change, nor for one rolled back', async () => {
		await subscribeAgent();
		const created = await admin.mutate('requests.create', { recipientName: 'Eva' });
		await admin.mutate('requests.close', { id: created.id });
		await expectApiError(
			admin.mutate('requests.assign', {
				id: created.id,
				assignment: { kind: 'agent', userId: agentUser.id }
			}),
			'CONFLICT'
		);
		expect(outbox()).toHaveLength(0);

		const open = await admin.mutate('requests.create', { recipientName: 'Fede' });
		const acting = loadAuthUser(server.app, adminUser.id) as AuthUser;
		const inside = rolledBack(server.app, () => {
			assignRequest(server.app, acting, {
				id: open.id,
				assignment: { kind: 'agent', userId: agentUser.id }
			});
			return { queued: outbox().length };
		});
		// Queued with the change, and gone with it.
		expect(inside.queued).toBe(1);
		expect(outbox()).toHaveLength(0);
		expect(await deliver()).toMatchObject({ delivered: 0 });
		expect(push.received).toHaveLength(0);
	});

	it('keeps at most 20 devices per agent, the newest', async () => {
		const browsers = [];
		for (let i = 0; i < MAX_DEVICES_PER_USER + 2; i++) {
			browsers.push(await subscribeAgent(agent, `Device ${i}`));
			now += 1;
		}
		const devices = await agent.query('push.devices');
		expect(devices.map((d: { label: string }) => d.label)).toEqual(
			browsers.slice(2).map((_, i) => `Device ${i + 2}`)
		);
	});

	it('unsubscribes and removes devices of the signed-in user only', async () => {
		const browser = await subscribeAgent();
		const other = await subscribeAgent(admin, 'Admin desk');
		const [mine] = await agent.query('push.devices');
		await expectApiError(agent.mutate('push.removeDevice', { id: 'x' }), 'BAD_REQUEST', 'invalid');
		const [theirs] = await admin.query('push.devices');
		await expectApiError(agent.mutate('push.removeDevice', { id: theirs.id }), 'NOT_FOUND');
		expect(await agent.mutate('push.unsubscribe', { endpoint: other.endpoint })).toEqual({
			ok: false
		});
		expect(await agent.mutate('push.removeDevice', { id: mine.id })).toEqual({ ok: true });
		expect(await agent.mutate('push.unsubscribe', { endpoint: browser.endpoint })).toEqual({
			ok: false
		});
		expect(await admin.mutate('push.unsubscribe', { endpoint: other.endpoint })).toEqual({
			ok: true
		});
		await expectApiError(
			new ApiClient(server.url).mutate('push.subscribe', browser.toJSON()),
			'UNAUTHORIZED'
		);
		await expectApiError(
			agent.mutate('push.subscribe', { ...browser.toJSON(), keys: { p256dh: 'abc', auth: 'x' } }),
			'BAD_REQUEST',
			'invalid'
		);
	});
});

describe('Web Push without BECKON_PUSH_ALLOW_PRIVATE', () => {
	let guarded: TestServer;
	let guardedAgent: ApiClient;
	let guardedUser: Awaited<ReturnType<typeof makeUser>>;

	beforeAll(async () => {
		guarded = await startTestServer({ clock: () => now });
		guardedUser = await makeUser(guarded.app, 'agent', 'edit');
		guardedAgent = new ApiClient(guarded.url);
		await guardedAgent.login(guardedUser.email, guardedUser.password);
	});
	afterAll(async () => guarded?.close());

	it('refuses endpoints that are not https or lead to non-public addresses', async () => {
		const port = new URL(push.origin).port;
		for (const endpoint of [
			`${push.origin}/push/x`, // http
			`https://127.0.0.1:${port}/push/x`,
			`https://localhost:${port}/push/x`, // resolves to loopback
			'https://10.1.2.3/push/x',
			'https://192.168.1.20/push/x',
			'https://169.254.169.254/latest/meta-data',
			'https://[::1]/push/x',
			'https://[fe80::1]/push/x',
			'https://[::ffff:127.0.0.1]/push/x',
			'https://user:pass@push.example.com/x'
		]) {
			const error = await expectApiError(
				guardedAgent.mutate('push.subscribe', new BrowserSubscription(endpoint).toJSON()),
				'BAD_REQUEST',
				'invalid'
			);
			expect(error.body.data.field, endpoint).toBe('endpoint');
		}
		expect(await guardedAgent.query('push.devices')).toEqual([]);
	});

	it('checks the address again as it connects: a name that resolves to loopback gets no push', async () => {
		// As if the name had resolved to a public address when the browser subscribed.
		const browser = new BrowserSubscription(`https://localhost:${new URL(push.origin).port}/p`);
		guarded.app.db
			.insert(pushSubscriptions)
			.values({
				id: crypto.randomUUID(),
				userId: guardedUser.id,
				endpoint: browser.endpoint,
				p256dh: browser.toJSON().keys.p256dh,
				auth: browser.toJSON().keys.auth,
				createdAt: now
			})
			.run();
		const adminUser2 = await makeUser(guarded.app, 'admin', 'edit');
		const guardedAdmin = new ApiClient(guarded.url);
		await guardedAdmin.login(adminUser2.email, adminUser2.password);
		await guardedAdmin.mutate('requests.create', {
			recipientName: 'Gus',
			assignment: { kind: 'agent', userId: guardedUser.id }
		});
		expect(await deliverDuePushes(guarded.app)).toMatchObject({ delivered: 0, retrying: 1 });
		const [row] = guarded.app.db.select().from(pushOutbox).all();
		expect(row.lastError).toMatch(/non-public address/);
		expect(push.received).toHaveLength(0);
	});
});
