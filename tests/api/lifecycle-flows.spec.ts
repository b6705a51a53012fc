/**
 * The session request lifecycle end to end over HTTP: the agent's `requests.*` procedures and the
 * end user's `link.*` procedures, as API.md and DESIGN.md §1 describe them.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, expectApiError } from '../support/client';
import { makeUser, signIn, startTestServer, type TestServer } from '../support/server';

type User = Awaited<ReturnType<typeof makeUser>>;

const HOUR = 3_600_000;
const tokenOf = (link: string) => link.slice(link.lastIndexOf('/s/') + 3);
const iso = (ms: number) => new Date(ms).toISOString();

describe('session request lifecycle over HTTP', () => {
	let server: TestServer;
	let now = Date.parse('2030-01-07T09:00:00.000Z');
	const clock = () => now;
	let agent: User;
	let other: User;
	let admin: User;
	let api: ApiClient;
	let otherApi: ApiClient;
	let adminApi: ApiClient;
	/** The end user: no account, no cookie, only the token. */
	let endUser: ApiClient;

	beforeAll(async () => {
		server = await startTestServer({ clock });
		[agent, other, admin] = await Promise.all([
			makeUser(server.app, 'agent', 'edit'),
			makeUser(server.app, 'agent', 'edit'),
			makeUser(server.app, 'admin', 'edit')
		]);
		[api, otherApi, adminApi] = await Promise.all([
			signIn(server, agent),
			signIn(server, other),
			signIn(server, admin)
		]);
		endUser = new ApiClient(server.url);
	});
	afterAll(() => server?.close());

	const create = (input: Record<string, unknown> = {}, client = api) =>
		client.mutate('requests.create', { recipientName: 'Ada Lovelace', ...input });
	const get = (id: string, client = api) => client.query('requests.get', { id });
	const link = {
		get: (token: string) => endUser.query('link.get', { token }),
		open: (token: string) => endUser.mutate('link.open', { token }),
		respond: (token: string, decision: 'allow' | 'deny') =>
			endUser.mutate('link.respond', { token, decision }),
		decline: (token: string) => endUser.mutate('link.decline', { token })
	};
	const eventTypes = (request: { events: { type: string }[] }) => request.events.map((e) => e.type);

	/** A request of `agent`, brought to `status` through the real flow. */
	async function requestIn(status: 'open' | 'waiting' | 'ready' | 'connected') {
		const request = await create();
		const token = tokenOf(request.link);
		if (status === 'open') return { request, token };
		await link.open(token);
		if (status === 'waiting') return { request: await get(request.id), token };
		await api.mutate('requests.requestConnect', { id: request.id });
		await link.respond(token, 'allow');
		if (status === 'ready') return { request: await get(request.id), token };
		return { request: await api.mutate('requests.start', { id: request.id }), token };
	}

	it('runs open → waiting → ready → connected → closed (completed), then the link is dead', async () => {
		const created = await create();
		expect(created.status).toBe('open');
		expect(created.connectRequested).toBe(false);
		expect(created.endUserSeenAt).toBeNull();
		const token = tokenOf(created.link);

		const before = await link.get(token);
		expect(before).toEqual({
			status: 'open',
			recipientName: 'Ada Lovelace',
			agentName: agent.name,
			organization: expect.any(String),
			scheduledAt: null,
			expiresAt: created.expiresAt,
			language: created.emailLanguage,
			connectRequested: false
		});

		now += 1_000;
		const opened = await link.open(token);
		expect(opened.status).toBe('waiting');
		let request = await get(created.id);
		expect(request.status).toBe('waiting');
		expect(request.endUserSeenAt).toBe(iso(now));
		expect(request.version).toBeGreaterThan(created.version);
		expect(request.events.at(-1)).toMatchObject({
			type: 'link_opened',
			actor: 'end_user',
			at: iso(now)
		});

		now += 1_000;
		const asked = await api.mutate('requests.requestConnect', { id: created.id });
		expect(asked.status).toBe('waiting');
		expect(asked.connectRequested).toBe(true);
		expect((await link.get(token)).connectRequested).toBe(true);

		const denied = await link.respond(token, 'deny');
		expect(denied).toMatchObject({ status: 'waiting', connectRequested: false });
		request = await get(created.id);
		expect(request).toMatchObject({ status: 'waiting', connectRequested: false });
		expect(request.events.at(-1)).toMatchObject({ type: 'access_denied', actor: 'end_user' });

		// The agent may ask again after a denial.
		await api.mutate('requests.requestConnect', { id: created.id });
		expect((await link.get(token)).connectRequested).toBe(true);
		const allowed = await link.respond(token, 'allow');
		expect(allowed).toMatchObject({ status: 'ready', connectRequested: false });
		expect((await get(created.id)).status).toBe('ready');

		const started = await api.mutate('requests.start', { id: created.id });
		expect(started.status).toBe('connected');
		expect(started.link).toBe(created.link);

		now += 60_000;
		const ended = await api.mutate('requests.end', { id: created.id });
		expect(ended).toMatchObject({
			status: 'closed',
			closedReason: 'completed',
			link: null,
			statusChangedAt: iso(now)
		});

		request = await get(created.id);
		expect(eventTypes(request)).toEqual([
			'created',
			'link_opened',
			'connect_requested',
			'access_denied',
			'connect_requested',
			'access_allowed',
			'session_started',
			'session_ended'
		]);
		const versions = [created, asked, started, ended].map((r) => r.version);
		expect(versions).toEqual([...versions].sort((a, b) => a - b));
		expect(new Set(versions).size).toBe(versions.length);

		const error = await expectApiError(link.get(token), 'NOT_FOUND', 'link_dead');
		expect(error.body.data.detail).toBe('closed');
		expect(error.message).toMatch(/closed/i);
		await expectApiError(link.open(token), 'NOT_FOUND');
		await expectApiError(link.respond(token, 'allow'), 'NOT_FOUND');
		await expectApiError(api.mutate('requests.start', { id: created.id }), 'CONFLICT');
	});

	it('lets the end user decline: closed, declined_by_user, and the link is dead', async () => {
		const { request, token } = await requestIn('waiting');
		await api.mutate('requests.requestConnect', { id: request.id });
		const view = await link.decline(token);
		expect(view.status).toBe('closed');
		const after = await get(request.id);
		expect(after).toMatchObject({
			status: 'closed',
			closedReason: 'declined_by_user',
			connectRequested: false,
			link: null
		});
		expect(after.events.at(-1)).toMatchObject({ type: 'declined', actor: 'end_user' });
		await expectApiError(link.get(token), 'NOT_FOUND');
		await expectApiError(link.decline(token), 'NOT_FOUND');

		// Declining straight from the invitation, without opening the waiting room first, works too.
		const fresh = await create();
		await link.decline(tokenOf(fresh.link));
		expect(await get(fresh.id)).toMatchObject({
			status: 'closed',
			closedReason: 'declined_by_user'
		});
	});

	it('refuses allow or deny without a pending connect request (CONFLICT)', async () => {
		const { request, token } = await requestIn('open');
		// Not even in the waiting room yet.
		await expectApiError(link.respond(token, 'allow'), 'CONFLICT');
		await link.open(token);
		const error = await expectApiError(link.respond(token, 'allow'), 'CONFLICT');
		expect(error.message).toMatch(/not asked to connect/);
		await expectApiError(link.respond(token, 'deny'), 'CONFLICT');

		// A denied request is answered: allowing it afterwards needs a new request.
		await api.mutate('requests.requestConnect', { id: request.id });
		await link.respond(token, 'deny');
		await expectApiError(link.respond(token, 'allow'), 'CONFLICT');
		const after = await get(request.id);
		expect(after).toMatchObject({ status: 'waiting', connectRequested: false });
		expect(eventTypes(after).filter((t) => t.startsWith('access_'))).toEqual(['access_denied']);

		// requestConnect needs the end user in the waiting room; start needs their consent.
		const unopened = await create();
		const notWaiting = await expectApiError(
			api.mutate('requests.requestConnect', { id: unopened.id }),
			'CONFLICT'
		);
		expect(notWaiting.message).toMatch(/open/);
		await expectApiError(api.mutate('requests.start', { id: request.id }), 'CONFLICT');
		await expectApiError(api.mutate('requests.end', { id: request.id }), 'CONFLICT');
	});

	it.each(['open', 'waiting', 'ready', 'connected'] as const)(
		'closes a %s request (closed_by_agent) and kills its link',
		async (status) => {
			const { request, token } = await requestIn(status);
			expect(request.status).toBe(status);
			const closed = await api.mutate('requests.close', { id: request.id });
			expect(closed).toMatchObject({
				status: 'closed',
				closedReason: 'closed_by_agent',
				connectRequested: false,
				link: null
			});
			expect((await get(request.id)).events.at(-1)).toMatchObject({
				type: 'closed',
				actor: agent.id
			});
			await expectApiError(link.get(token), 'NOT_FOUND');
			const again = await expectApiError(
				api.mutate('requests.close', { id: request.id }),
				'CONFLICT'
			);
			expect(again.message).toMatch(/closed/);
		}
	);

	it('reopens a closed request: open, new expiry, new link, the old link stays dead', async () => {
		const { request, token: oldToken } = await requestIn('ready');
		await api.mutate('requests.close', { id: request.id });
		await expectApiError(
			api.mutate('requests.reopen', { id: request.id, expiresAt: iso(now) }),
			'BAD_REQUEST'
		);

		now += HOUR;
		const expiresAt = iso(now + 48 * HOUR);
		const reopened = await api.mutate('requests.reopen', { id: request.id, expiresAt });
		expect(reopened).toMatchObject({
			status: 'open',
			closedReason: null,
			connectRequested: false,
			endUserSeenAt: null,
			expiresAt
		});
		expect(reopened.expiresAt).not.toBe(request.expiresAt);
		expect(reopened.link).toEqual(expect.any(String));
		expect(reopened.link).not.toBe(request.link);
		expect((await get(request.id)).events.at(-1)).toMatchObject({
			type: 'reopened',
			actor: agent.id
		});

		const oldError = await expectApiError(link.get(oldToken), 'NOT_FOUND', 'link_dead');
		expect(oldError.body.data.detail).toBe('invalid');
		expect(oldError.message).toMatch(/not valid/);
		await expectApiError(link.open(oldToken), 'NOT_FOUND');
		const newToken = tokenOf(reopened.link);
		expect(await link.get(newToken)).toMatchObject({ status: 'open', expiresAt });
		expect((await link.open(newToken)).status).toBe('waiting');

		// Without an expiry, the default lifetime (7 days) counts from now.
		await api.mutate('requests.close', { id: request.id });
		const byDefault = await api.mutate('requests.reopen', { id: request.id });
		expect(byDefault.expiresAt).toBe(iso(now + 7 * 24 * HOUR));
		await expectApiError(api.mutate('requests.reopen', { id: request.id }), 'CONFLICT');
	});

	it('extends the expiry of a live request, not of a terminal one', async () => {
		const { request } = await requestIn('waiting');
		const expiresAt = iso(Date.parse(request.expiresAt) + 24 * HOUR);
		const extended = await api.mutate('requests.extend', { id: request.id, expiresAt });
		expect(extended).toMatchObject({ status: 'waiting', expiresAt });
		expect(extended.version).toBeGreaterThan(request.version);
		expect((await get(request.id)).events.at(-1)).toMatchObject({
			type: 'expiry_extended',
			data: { from: request.expiresAt, to: expiresAt }
		});
		const past = await expectApiError(
			api.mutate('requests.extend', { id: request.id, expiresAt: iso(now - 1) }),
			'BAD_REQUEST'
		);
		expect(past.message).toMatch(/expiresAt/);
		await api.mutate('requests.close', { id: request.id });
		await expectApiError(
			api.mutate('requests.extend', { id: request.id, expiresAt: iso(now + HOUR) }),
			'CONFLICT'
		);
	});

	it('regenerates the link: the old one stops working, the new one works', async () => {
		const { request, token: oldToken } = await requestIn('waiting');
		const regenerated = await api.mutate('requests.regenerateLink', { id: request.id });
		expect(regenerated.status).toBe('waiting');
		expect(regenerated.link).not.toBe(request.link);
		expect(regenerated.version).toBeGreaterThan(request.version);
		expect((await get(request.id)).events.at(-1)).toMatchObject({ type: 'link_regenerated' });

		await expectApiError(link.get(oldToken), 'NOT_FOUND');
		await expectApiError(link.respond(oldToken, 'deny'), 'NOT_FOUND');
		const newToken = tokenOf(regenerated.link);
		expect(await link.get(newToken)).toMatchObject({ status: 'waiting' });
		await api.mutate('requests.requestConnect', { id: request.id });
		expect(await link.respond(newToken, 'allow')).toMatchObject({ status: 'ready' });
	});

	it('syncs presence while the page stays open (every 30 s at most, no event), and a return after 60 s away as an event', async () => {
		const { request, token } = await requestIn('open');
		await link.open(token);
		const first = await get(request.id);
		expect(first.endUserSeenAt).toBe(iso(now));
		const openedAt = now;

		// The page's next heartbeat, 20 s on: nothing to sync yet, nothing written.
		now += 20_000;
		expect((await link.open(token)).status).toBe('waiting');
		const quiet = await get(request.id);
		expect(quiet.version).toBe(first.version);
		expect(quiet.endUserSeenAt).toBe(iso(openedAt));

		// 40 s after the last synced presence: a new version the agents' devices pull, no event,
		// so "Online now" holds for as long as the page stays open.
		now += 20_000;
		await link.open(token);
		const synced = await get(request.id);
		expect(synced.version).toBeGreaterThan(first.version);
		expect(synced.events).toHaveLength(first.events.length);
		expect(synced.endUserSeenAt).toBe(iso(now));
		expect(synced.status).toBe('waiting');
		const pulled = await api.query('sync.pull', { clientId: randomUUID() });
		expect(pulled.changes.find((r: { id: string }) => r.id === request.id)?.endUserSeenAt).toBe(
			iso(now)
		);

		// Away for more than a minute and back: that is an event on the request's timeline.
		now += 60_001;
		await link.open(token);
		const back = await get(request.id);
		expect(back.status).toBe('waiting');
		expect(back.version).toBeGreaterThan(synced.version);
		expect(back.endUserSeenAt).toBe(iso(now));
		expect(back.events).toHaveLength(first.events.length + 1);
		expect(back.events.at(-1)).toMatchObject({
			type: 'link_opened',
			actor: 'end_user',
			data: { firstOpen: false }
		});

		// Presence never moves the status by itself: a ready request stays ready.
		await api.mutate('requests.requestConnect', { id: request.id });
		await link.respond(token, 'allow');
		now += 61_000;
		expect((await link.open(token)).status).toBe('ready');
		expect((await get(request.id)).status).toBe('ready');
	});

	it('lets only the assigned agent or an admin connect and start (FORBIDDEN otherwise)', async () => {
		// Created by `agent` (so still visible to them) but assigned to `other`.
		const request = await create({ assignment: { kind: 'agent', userId: other.id } });
		const token = tokenOf(request.link);
		await link.open(token);

		const refused = await expectApiError(
			api.mutate('requests.requestConnect', { id: request.id }),
			'FORBIDDEN'
		);
		expect(refused.message).toMatch(/assigned agent/);
		expect((await get(request.id)).connectRequested).toBe(false);

		await otherApi.mutate('requests.requestConnect', { id: request.id });
		await link.respond(token, 'allow');
		await expectApiError(api.mutate('requests.start', { id: request.id }), 'FORBIDDEN');
		expect((await get(request.id)).status).toBe('ready');
		const started = await adminApi.mutate('requests.start', { id: request.id });
		expect(started.status).toBe('connected');

		// An admin may also ask to connect to someone else's request.
		const second = await create({ assignment: { kind: 'agent', userId: other.id } });
		await link.open(tokenOf(second.link));
		const asked = await adminApi.mutate('requests.requestConnect', { id: second.id });
		expect(asked.connectRequested).toBe(true);
		expect((await get(second.id)).events.at(-1)).toMatchObject({
			type: 'connect_requested',
			actor: admin.id
		});

		// Someone who cannot see the request at all is told it does not exist.
		const mine = await create({}, otherApi);
		await expectApiError(api.mutate('requests.requestConnect', { id: mine.id }), 'NOT_FOUND');
	});
});
