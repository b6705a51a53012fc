/**
 * Every procedure of the public contract (API.md) over real HTTP: a happy path per procedure,
 * asserting the output shapes, plus the filters and paging of `requests.list`.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, expectApiError } from '../support/client';
import { makeUser, startTestServer, type TestServer } from '../support/server';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A clock the tests move by hand, so times and orderings are deterministic. */
function manualClock(start = Date.parse('2031-03-03T09:00:00.000Z')) {
	let now = start;
	return {
		clock: () => now,
		now: () => now,
		advance(ms: number) {
			now += ms;
		},
		iso(offsetMs = 0) {
			return new Date(now + offsetMs).toISOString();
		}
	};
}

type Json = Record<string, any>;

const SESSION_REQUEST_KEYS = [
	'id',
	'recipientName',
	'recipientEmail',
	'sendEmail',
	'emailLanguage',
	'comments',
	'scheduledAt',
	'expiresAt',
	'assignment',
	'status',
	'closedReason',
	'createdBy',
	'createdAt',
	'updatedAt',
	'statusChangedAt',
	'version',
	'link',
	'anonymizedAt'
];

const LINK_VIEW_KEYS = [
	'status',
	'recipientName',
	'agentName',
	'organization',
	'scheduledAt',
	'expiresAt',
	'language',
	'connectRequested'
];

function expectIso(value: unknown) {
	expect(value).toMatch(ISO_UTC);
	expect(new Date(value as string).toISOString()).toBe(value);
}

/** Asserts the SessionRequest shape of API.md, including `link` per status. */
function expectSessionRequest(r: Json) {
	for (const key of SESSION_REQUEST_KEYS) expect(r, `missing ${key}`).toHaveProperty(key);
	expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
	expect(typeof r.recipientName).toBe('string');
	expect(r.recipientEmail === null || typeof r.recipientEmail === 'string').toBe(true);
	expect(typeof r.sendEmail).toBe('boolean');
	expect(['en', 'es', 'de', 'fr', 'pt', 'it']).toContain(r.emailLanguage);
	expect(typeof r.comments).toBe('string');
	if (r.scheduledAt !== null) expectIso(r.scheduledAt);
	expectIso(r.expiresAt);
	expectIso(r.createdAt);
	expectIso(r.updatedAt);
	expectIso(r.statusChangedAt);
	expect(['unassigned', 'agent', 'queue']).toContain(r.assignment.kind);
	expect(['open', 'waiting', 'ready', 'connected', 'closed', 'expired']).toContain(r.status);
	if (r.status === 'closed') {
		expect(['completed', 'closed_by_agent', 'declined_by_user']).toContain(r.closedReason);
	} else {
		expect(r.closedReason).toBeNull();
	}
	expect(typeof r.createdBy).toBe('string');
	expect(Number.isInteger(r.version)).toBe(true);
	if (r.status === 'closed' || r.status === 'expired') expect(r.link).toBeNull();
	else expect(r.link).toMatch(/^http:\/\/127\.0\.0\.1:1\/s\/[A-Za-z0-9_-]+$/);
}

function expectEvents(events: Json[], requestId: string) {
	expect(Array.isArray(events)).toBe(true);
	for (const e of events) {
		expect(Object.keys(e).sort()).toEqual(['actor', 'at', 'data', 'id', 'requestId', 'type']);
		expect(Number.isInteger(e.id)).toBe(true);
		expect(e.requestId).toBe(requestId);
		expect(typeof e.type).toBe('string');
		expect(typeof e.actor).toBe('string');
		expectIso(e.at);
		expect(e.data).toBeTypeOf('object');
		expect(e.data).not.toBeNull();
	}
	// Events come in the order they happened.
	const ids = events.map((e) => e.id);
	expect([...ids].sort((a, b) => a - b)).toEqual(ids);
}

function expectLinkView(view: Json) {
	// An allow's answer adds the session key of the page that allowed (services/session-keys.ts).
	const keys = 'sessionKey' in view ? [...LINK_VIEW_KEYS, 'sessionKey'] : LINK_VIEW_KEYS;
	if ('sessionKey' in view) expect(view.sessionKey).toMatch(/^[\w-]{43}$/);
	expect(Object.keys(view).sort()).toEqual([...keys].sort());
	expect(typeof view.recipientName).toBe('string');
	expect(typeof view.agentName).toBe('string');
	expect(typeof view.organization).toBe('string');
	expect(typeof view.connectRequested).toBe('boolean');
	if (view.scheduledAt !== null) expectIso(view.scheduledAt);
	expectIso(view.expiresAt);
}

function expectUser(user: Json) {
	for (const key of ['id', 'email', 'name', 'role', 'permission', 'queueIds']) {
		expect(user, `missing ${key}`).toHaveProperty(key);
	}
	expect(Array.isArray(user.queueIds)).toBe(true);
	expect(user).not.toHaveProperty('passwordHash');
}

/** The end user's token: the last path segment of the session link. */
const tokenOf = (r: { link?: string | null }) => {
	if (!r.link) throw new Error('request has no link');
	return new URL(r.link).pathname.split('/').at(-1) as string;
};

async function rawPost(url: string, path: string, input: unknown, headers = {}) {
	return fetch(`${url}/api/trpc/${path}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...headers },
		body: JSON.stringify(input)
	});
}

function cookieAttributes(setCookie: string) {
	const [pair, ...attributes] = setCookie.split(';').map((p) => p.trim());
	const map = new Map<string, string>();
	for (const a of attributes) {
		const [k, ...v] = a.split('=');
		map.set(k.toLowerCase(), v.join('='));
	}
	return { pair, attributes: map };
}

describe('auth', () => {
	let server: TestServer;
	let agent: Awaited<ReturnType<typeof makeUser>>;
	beforeAll(async () => {
		server = await startTestServer();
		agent = await makeUser(server.app, 'agent', 'edit');
	});
	afterAll(() => server.close());

	it('auth.login answers {user} and sets an HttpOnly, SameSite, Path=/ session cookie', async () => {
		const response = await rawPost(server.url, 'auth.login', {
			email: agent.email,
			password: agent.password
		});
		expect(response.status).toBe(200);
		const body = await response.json();
		expectUser(body.result.data.user);
		expect(body.result.data.user).toMatchObject({
			id: agent.id,
			email: agent.email,
			name: agent.name,
			role: 'agent',
			permission: 'edit',
			queueIds: []
		});
		const cookies = response.headers.getSetCookie();
		expect(cookies).toHaveLength(1);
		const { pair, attributes } = cookieAttributes(cookies[0]);
		expect(pair).toMatch(/^[^=]+=.{20,}$/);
		expect(attributes.has('httponly')).toBe(true);
		expect(['lax', 'strict']).toContain(attributes.get('samesite')?.toLowerCase());
		expect(attributes.get('path')).toBe('/');
		// The test server's public URL is plain http: no Secure flag, or the cookie would be lost.
		expect(attributes.has('secure')).toBe(false);
	});

	it('auth.login is case-insensitive on the email and refuses a wrong password', async () => {
		const api = new ApiClient(server.url);
		const { user } = await api.login(agent.email.toUpperCase(), agent.password);
		expect(user.id).toBe(agent.id);
		const stranger = new ApiClient(server.url);
		const error = await expectApiError(
			stranger.login(agent.email, 'wrong password'),
			'UNAUTHORIZED'
		);
		expect(error.message).not.toContain(agent.email);
		expect(stranger.cookie).toBeNull();
		await expectApiError(stranger.login('nobody@example.com', agent.password), 'UNAUTHORIZED');
	});

	it('auth.me answers {user} with id, email, name, role, permission and queueIds', async () => {
		const api = new ApiClient(server.url);
		await api.login(agent.email, agent.password);
		const me = await api.query('auth.me');
		expectUser(me.user);
		expect(me.user).toMatchObject({ id: agent.id, email: agent.email, role: 'agent' });
		await expectApiError(new ApiClient(server.url).query('auth.me'), 'UNAUTHORIZED');
	});

	it('auth.logout answers {ok}, clears the cookie, and the old cookie no longer signs in', async () => {
		const api = new ApiClient(server.url);
		await api.login(agent.email, agent.password);
		const oldCookie = api.cookie as string;
		const response = await fetch(`${server.url}/api/trpc/auth.logout`, {
			method: 'POST',
			headers: { cookie: oldCookie, 'content-type': 'application/json' },
			body: '{}'
		});
		expect(response.status).toBe(200);
		expect((await response.json()).result.data).toEqual({ ok: true });
		const [cleared] = response.headers.getSetCookie();
		const { pair, attributes } = cookieAttributes(cleared);
		expect(pair).toBe(`${oldCookie.split('=')[0]}=`);
		const expired =
			attributes.get('max-age') === '0' || Date.parse(attributes.get('expires') ?? '') < Date.now();
		expect(expired).toBe(true);
		expect(attributes.get('path')).toBe('/');

		const stale = new ApiClient(server.url);
		stale.cookie = oldCookie;
		await expectApiError(stale.query('auth.me'), 'UNAUTHORIZED');
		await expectApiError(stale.query('requests.list', {}), 'UNAUTHORIZED');
		// Logging out without a session is harmless.
		expect(await new ApiClient(server.url).mutate('auth.logout', {})).toEqual({ ok: true });
	});
});

describe('users, queues and tokens', () => {
	let server: TestServer;
	let admin: ApiClient;
	let adminUser: Awaited<ReturnType<typeof makeUser>>;
	beforeAll(async () => {
		server = await startTestServer();
		adminUser = await makeUser(server.app, 'admin', 'edit');
		admin = new ApiClient(server.url);
		await admin.login(adminUser.email, adminUser.password);
	});
	afterAll(() => server.close());

	it('users.create, users.list and users.update', async () => {
		const { user } = await admin.mutate('users.create', {
			email: 'Grace@Example.com',
			name: 'Grace Hopper',
			password: 'a long enough password',
			role: 'agent',
			permission: 'view'
		});
		expectUser(user);
		expect(user).toMatchObject({
			email: 'grace@example.com',
			name: 'Grace Hopper',
			role: 'agent',
			permission: 'view',
			queueIds: []
		});
		expect(user).not.toHaveProperty('password');

		const list = await admin.query('users.list');
		expect(Array.isArray(list)).toBe(true);
		for (const u of list) expectUser(u);
		expect(list.map((u: Json) => u.id)).toEqual(expect.arrayContaining([adminUser.id, user.id]));

		const updated = await admin.mutate('users.update', {
			id: user.id,
			name: 'Rear Admiral Hopper',
			permission: 'edit'
		});
		expectUser(updated.user);
		expect(updated.user).toMatchObject({
			id: user.id,
			name: 'Rear Admiral Hopper',
			permission: 'edit'
		});

		// The new account signs in with its password.
		const grace = new ApiClient(server.url);
		const login = await grace.login('grace@example.com', 'a long enough password');
		expect(login.user).toMatchObject({ id: user.id, permission: 'edit' });
		// A duplicate email is a conflict.
		await expectApiError(
			admin.mutate('users.create', {
				email: 'grace@example.com',
				name: 'Another Grace',
				password: 'a long enough password',
				role: 'agent',
				permission: 'view'
			}),
			'CONFLICT'
		);
	});

	it('queues.create, queues.list and queues.update; members see the queue in auth.me', async () => {
		const a = await makeUser(server.app, 'agent', 'edit');
		const b = await makeUser(server.app, 'agent', 'edit');
		const { queue } = await admin.mutate('queues.create', { name: 'Tier 1', memberIds: [a.id] });
		expect(queue).toMatchObject({ name: 'Tier 1', memberIds: [a.id] });
		expect(queue.id).toMatch(/^[0-9a-f-]{36}$/);

		const agentApi = new ApiClient(server.url);
		await agentApi.login(a.email, a.password);
		const listed = await agentApi.query('queues.list');
		expect(Array.isArray(listed)).toBe(true);
		expect(listed).toContainEqual(
			expect.objectContaining({ id: queue.id, name: 'Tier 1', memberIds: [a.id] })
		);
		expect((await agentApi.query('auth.me')).user.queueIds).toEqual([queue.id]);

		const updated = await admin.mutate('queues.update', {
			id: queue.id,
			name: 'Tier 2',
			memberIds: [b.id]
		});
		expect(updated.queue).toMatchObject({ id: queue.id, name: 'Tier 2', memberIds: [b.id] });
		expect((await agentApi.query('auth.me')).user.queueIds).toEqual([]);
		await expectApiError(
			admin.mutate('queues.create', { name: 'Tier 2', memberIds: [] }),
			'CONFLICT'
		);
		await expectApiError(admin.mutate('queues.update', { id: randomUUID() }), 'NOT_FOUND');
	});

	it('tokens.create gives a bearer token that works until tokens.revoke', async () => {
		const created = await admin.mutate('tokens.create', { name: 'CRM integration' });
		expect(typeof created.token).toBe('string');
		expect(created.token.length).toBeGreaterThanOrEqual(32);
		expect(created.id).toMatch(/^[0-9a-f-]{36}$/);

		const integration = new ApiClient(server.url);
		integration.bearer = created.token;
		const made = await integration.mutate('requests.create', { recipientName: 'Via API' });
		expectSessionRequest(made);
		const list = await integration.query('requests.list', {});
		expect(list.items.map((r: Json) => r.id)).toContain(made.id);
		expect(integration.cookie).toBeNull();

		// The token is shown once: the listing never carries it.
		const tokens = await admin.query('tokens.list');
		expect(JSON.stringify(tokens)).not.toContain(created.token);

		expect(await admin.mutate('tokens.revoke', { id: created.id })).toEqual({ ok: true });
		await expectApiError(integration.query('requests.list', {}), 'UNAUTHORIZED');
		await expectApiError(admin.mutate('tokens.revoke', { id: randomUUID() }), 'NOT_FOUND');

		// A made-up bearer token is not signed in either.
		const forged = new ApiClient(server.url);
		forged.bearer = 'bk_' + 'A'.repeat(43);
		await expectApiError(forged.query('requests.list', {}), 'UNAUTHORIZED');
	});
});

describe('session requests and the link', () => {
	let server: TestServer;
	const time = manualClock();
	let admin: ApiClient;
	let agent: ApiClient;
	let agentUser: Awaited<ReturnType<typeof makeUser>>;
	let other: Awaited<ReturnType<typeof makeUser>>;
	let queueId: string;
	const endUser = () => new ApiClient(server.url);

	beforeAll(async () => {
		server = await startTestServer({ clock: time.clock });
		const adminUser = await makeUser(server.app, 'admin', 'edit');
		agentUser = await makeUser(server.app, 'agent', 'edit');
		other = await makeUser(server.app, 'agent', 'edit');
		admin = new ApiClient(server.url);
		await admin.login(adminUser.email, adminUser.password);
		agent = new ApiClient(server.url);
		await agent.login(agentUser.email, agentUser.password);
		({
			queue: { id: queueId }
		} = await admin.mutate('queues.create', {
			name: 'Support',
			memberIds: [agentUser.id]
		}));
	});
	afterAll(() => server.close());

	it('requests.create answers a full SessionRequest with defaults', async () => {
		const created = await agent.mutate('requests.create', { recipientName: '  Ada Lovelace  ' });
		expectSessionRequest(created);
		expect(created).toMatchObject({
			recipientName: 'Ada Lovelace',
			recipientEmail: null,
			sendEmail: false,
			emailLanguage: 'en',
			comments: '',
			scheduledAt: null,
			expiresAt: time.iso(7 * DAY),
			assignment: { kind: 'agent', userId: agentUser.id },
			status: 'open',
			closedReason: null,
			createdBy: agentUser.id,
			createdAt: time.iso(),
			updatedAt: time.iso(),
			statusChangedAt: time.iso()
		});
		expect(tokenOf(created).length).toBeGreaterThanOrEqual(22);
	});

	it('requests.create takes every field of the contract, including a client id', async () => {
		const id = '0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
		const input = {
			id,
			recipientName: 'Ada',
			recipientEmail: 'ada@example.com',
			sendEmail: true,
			emailLanguage: 'de',
			comments: 'Printer on fire',
			scheduledAt: time.iso(2 * HOUR),
			expiresAt: time.iso(3 * DAY),
			assignment: { kind: 'queue', queueId }
		};
		const created = await agent.mutate('requests.create', input);
		expectSessionRequest(created);
		expect(created).toMatchObject({ ...input, status: 'open' });
		// The id is the client's: creating it again is a conflict, not a second request.
		await expectApiError(agent.mutate('requests.create', input), 'CONFLICT');
		const got = await agent.query('requests.get', { id });
		expect(got.events.filter((e: Json) => e.type === 'created')).toHaveLength(1);
	});

	it('requests.get answers SessionRequest & {events}', async () => {
		const created = await agent.mutate('requests.create', { recipientName: 'Grace' });
		const got = await agent.query('requests.get', { id: created.id });
		expectSessionRequest(got);
		const { events, ...request } = got;
		expect(request).toEqual(created);
		expectEvents(events, created.id);
		expect(events).toHaveLength(1);
		expect(events[0]).toMatchObject({ type: 'created', actor: agentUser.id, at: time.iso() });
		await expectApiError(agent.query('requests.get', { id: randomUUID() }), 'NOT_FOUND');
	});

	it('requests.update changes the editable fields and records who changed what', async () => {
		const created = await agent.mutate('requests.create', { recipientName: 'Grace' });
		time.advance(MINUTE);
		const updated = await agent.mutate('requests.update', {
			id: created.id,
			recipientName: 'Grace Hopper',
			recipientEmail: 'grace@example.com',
			sendEmail: true,
			emailLanguage: 'fr',
			comments: 'Needs help with COBOL',
			scheduledAt: time.iso(HOUR)
		});
		expectSessionRequest(updated);
		expect(updated).toMatchObject({
			id: created.id,
			recipientName: 'Grace Hopper',
			recipientEmail: 'grace@example.com',
			sendEmail: true,
			emailLanguage: 'fr',
			comments: 'Needs help with COBOL',
			scheduledAt: time.iso(HOUR),
			status: 'open',
			createdAt: created.createdAt,
			updatedAt: time.iso()
		});
		expect(updated.version).toBeGreaterThan(created.version);
		// Clearing the schedule and the email (with sendEmail off) is allowed.
		const cleared = await agent.mutate('requests.update', {
			id: created.id,
			sendEmail: false,
			recipientEmail: null,
			scheduledAt: null
		});
		expect(cleared).toMatchObject({ recipientEmail: null, sendEmail: false, scheduledAt: null });
		const { events } = await agent.query('requests.get', { id: created.id });
		expectEvents(events, created.id);
		expect(events.map((e: Json) => e.type)).toEqual(['created', 'updated', 'updated']);
		expect(events[1].data.fields).toEqual(
			expect.arrayContaining(['recipientName', 'comments', 'scheduledAt'])
		);
	});

	it('requests.assign and requests.take', async () => {
		const created = await agent.mutate('requests.create', {
			recipientName: 'Queued',
			assignment: { kind: 'unassigned' }
		});
		expect(created.assignment).toEqual({ kind: 'unassigned' });
		const toOther = await admin.mutate('requests.assign', {
			id: created.id,
			assignment: { kind: 'agent', userId: other.id }
		});
		expectSessionRequest(toOther);
		expect(toOther.assignment).toEqual({ kind: 'agent', userId: other.id });
		const toQueue = await admin.mutate('requests.assign', {
			id: created.id,
			assignment: { kind: 'queue', queueId }
		});
		expect(toQueue.assignment).toEqual({ kind: 'queue', queueId });

		const taken = await agent.mutate('requests.take', { id: created.id });
		expectSessionRequest(taken);
		expect(taken.assignment).toEqual({ kind: 'agent', userId: agentUser.id });
		// Taking it again says who has it.
		const again = await expectApiError(
			admin.mutate('requests.take', { id: created.id }),
			'CONFLICT'
		);
		expect(again.message).toContain(agentUser.name);

		const toMe = await admin.mutate('requests.assign', {
			id: created.id,
			assignment: { kind: 'me' }
		});
		expect(toMe.assignment.kind).toBe('agent');
		expect(toMe.assignment.userId).not.toBe(agentUser.id);
		const { events } = await admin.query('requests.get', { id: created.id });
		expectEvents(events, created.id);
		expect(events.map((e: Json) => e.type)).toEqual([
			'created',
			'assigned',
			'assigned',
			'taken',
			'assigned'
		]);
		expect(events[1].data).toEqual({
			from: { kind: 'unassigned' },
			to: { kind: 'agent', userId: other.id }
		});
	});

	it('runs the whole lifecycle: open → waiting → ready → connected → closed (completed)', async () => {
		const created = await agent.mutate('requests.create', {
			recipientName: 'Linus',
			emailLanguage: 'es'
		});
		const token = tokenOf(created);
		const user = endUser();

		const view = await user.query('link.get', { token });
		expectLinkView(view);
		expect(view).toEqual({
			status: 'open',
			recipientName: 'Linus',
			agentName: agentUser.name,
			organization: 'Beckon',
			scheduledAt: null,
			expiresAt: created.expiresAt,
			language: 'es',
			connectRequested: false
		});

		time.advance(MINUTE);
		const opened = await user.mutate('link.open', { token });
		expectLinkView(opened);
		expect(opened.status).toBe('waiting');
		// A second open only refreshes presence.
		expect((await user.mutate('link.open', { token })).status).toBe('waiting');
		const waiting = await agent.query('requests.get', { id: created.id });
		expect(waiting).toMatchObject({ status: 'waiting', statusChangedAt: time.iso() });

		const asked = await agent.mutate('requests.requestConnect', { id: created.id });
		expectSessionRequest(asked);
		expect(asked.status).toBe('waiting');
		expect((await user.query('link.get', { token })).connectRequested).toBe(true);

		const allowed = await user.mutate('link.respond', { token, decision: 'allow' });
		expectLinkView(allowed);
		expect(allowed).toMatchObject({ status: 'ready', connectRequested: false });

		const started = await agent.mutate('requests.start', { id: created.id });
		expectSessionRequest(started);
		expect(started.status).toBe('connected');
		expect(started.link).not.toBeNull();

		time.advance(10 * MINUTE);
		const ended = await agent.mutate('requests.end', { id: created.id });
		expectSessionRequest(ended);
		expect(ended).toMatchObject({
			status: 'closed',
			closedReason: 'completed',
			link: null,
			statusChangedAt: time.iso()
		});
		// The link is dead once the request is terminal.
		await expectApiError(user.query('link.get', { token }), 'NOT_FOUND');

		const { events } = await agent.query('requests.get', { id: created.id });
		expectEvents(events, created.id);
		expect(events.map((e: Json) => [e.type, e.actor])).toEqual([
			['created', agentUser.id],
			['link_opened', 'end_user'],
			['connect_requested', agentUser.id],
			['access_allowed', 'end_user'],
			['session_started', agentUser.id],
			['session_ended', agentUser.id]
		]);
	});

	it('link.respond deny keeps the request waiting; the agent may ask again', async () => {
		const created = await agent.mutate('requests.create', { recipientName: 'Denise' });
		const token = tokenOf(created);
		const user = endUser();
		await user.mutate('link.open', { token });
		await agent.mutate('requests.requestConnect', { id: created.id });
		const denied = await user.mutate('link.respond', { token, decision: 'deny' });
		expectLinkView(denied);
		expect(denied).toMatchObject({ status: 'waiting', connectRequested: false });
		const again = await agent.mutate('requests.requestConnect', { id: created.id });
		expect(again.status).toBe('waiting');
		expect((await user.query('link.get', { token })).connectRequested).toBe(true);
	});

	it('link.decline closes the request (declined_by_user)', async () => {
		const created = await agent.mutate('requests.create', { recipientName: 'Dee' });
		const token = tokenOf(created);
		const declined = await endUser().mutate('link.decline', { token });
		expectLinkView(declined);
		expect(declined.status).toBe('closed');
		const got = await agent.query('requests.get', { id: created.id });
		expectSessionRequest(got);
		expect(got).toMatchObject({ status: 'closed', closedReason: 'declined_by_user', link: null });
		expect(got.events.at(-1)).toMatchObject({ type: 'declined', actor: 'end_user' });
	});

	it('requests.close, requests.reopen (new expiry and link) and requests.extend', async () => {
		const created = await agent.mutate('requests.create', { recipientName: 'Clos' });
		const oldToken = tokenOf(created);
		const closed = await agent.mutate('requests.close', { id: created.id });
		expectSessionRequest(closed);
		expect(closed).toMatchObject({ status: 'closed', closedReason: 'closed_by_agent', link: null });

		time.advance(HOUR);
		const reopened = await agent.mutate('requests.reopen', {
			id: created.id,
			expiresAt: time.iso(2 * DAY)
		});
		expectSessionRequest(reopened);
		expect(reopened).toMatchObject({
			status: 'open',
			closedReason: null,
			expiresAt: time.iso(2 * DAY)
		});
		expect(reopened.link).not.toBe(created.link);
		await expectApiError(endUser().query('link.get', { token: oldToken }), 'NOT_FOUND');
		expect((await endUser().query('link.get', { token: tokenOf(reopened) })).status).toBe('open');

		const extended = await agent.mutate('requests.extend', {
			id: created.id,
			expiresAt: time.iso(5 * DAY)
		});
		expectSessionRequest(extended);
		expect(extended.expiresAt).toBe(time.iso(5 * DAY));
		expect(extended.link).toBe(reopened.link);

		// Reopen without an expiry uses the default lifetime.
		await agent.mutate('requests.close', { id: created.id });
		const again = await agent.mutate('requests.reopen', { id: created.id });
		expect(again.expiresAt).toBe(time.iso(7 * DAY));

		const { events } = await agent.query('requests.get', { id: created.id });
		expectEvents(events, created.id);
		expect(events.map((e: Json) => e.type)).toEqual([
			'created',
			'closed',
			'reopened',
			'expiry_extended',
			'closed',
			'reopened'
		]);
	});

	it('requests.regenerateLink kills the old link and issues a working new one', async () => {
		const created = await agent.mutate('requests.create', { recipientName: 'Regina' });
		const regenerated = await agent.mutate('requests.regenerateLink', { id: created.id });
		expectSessionRequest(regenerated);
		expect(regenerated.status).toBe('open');
		expect(regenerated.link).not.toBe(created.link);
		await expectApiError(endUser().query('link.get', { token: tokenOf(created) }), 'NOT_FOUND');
		const view = await endUser().mutate('link.open', { token: tokenOf(regenerated) });
		expect(view.status).toBe('waiting');
	});

	it('reports a request past its expiry as expired, with no link, on every read', async () => {
		const created = await agent.mutate('requests.create', {
			recipientName: 'Late',
			expiresAt: time.iso(HOUR)
		});
		time.advance(HOUR);
		const got = await agent.query('requests.get', { id: created.id });
		expectSessionRequest(got);
		expect(got).toMatchObject({
			status: 'expired',
			link: null,
			closedReason: null,
			statusChangedAt: created.expiresAt
		});
		const list = await agent.query('requests.list', { status: ['expired'] });
		expect(list.items.map((r: Json) => r.id)).toContain(created.id);
		await expectApiError(endUser().query('link.get', { token: tokenOf(created) }), 'NOT_FOUND');
		const reopened = await agent.mutate('requests.reopen', { id: created.id });
		expect(reopened.status).toBe('open');
	});

	it('answers instants as ISO-8601 UTC strings even when given with an offset', async () => {
		// The same instant as now + 3 h, written as a wall-clock time two hours ahead of UTC.
		const withOffset = new Date(time.now() + 5 * HOUR).toISOString().replace('Z', '+02:00');
		const created = await agent.mutate('requests.create', {
			recipientName: 'Offset',
			scheduledAt: withOffset
		});
		expect(created.scheduledAt).toBe(time.iso(3 * HOUR));
		expectIso(created.scheduledAt);
	});
});

describe('requests.list', () => {
	let server: TestServer;
	const time = manualClock();
	let agent: ApiClient;
	let agentUser: Awaited<ReturnType<typeof makeUser>>;
	let colleague: Awaited<ReturnType<typeof makeUser>>;
	let queueId: string;
	const made: Record<string, Json> = {};

	const ids = (list: { items: Json[] }) => list.items.map((r) => r.id);
	const idsOf = (...names: string[]) => names.map((n) => made[n].id);

	beforeAll(async () => {
		server = await startTestServer({ clock: time.clock });
		const adminUser = await makeUser(server.app, 'admin', 'edit');
		agentUser = await makeUser(server.app, 'agent', 'edit');
		colleague = await makeUser(server.app, 'agent', 'edit');
		const admin = new ApiClient(server.url);
		await admin.login(adminUser.email, adminUser.password);
		agent = new ApiClient(server.url);
		await agent.login(agentUser.email, agentUser.password);
		({
			queue: { id: queueId }
		} = await admin.mutate('queues.create', { name: 'Billing', memberIds: [agentUser.id] }));

		const create = async (name: string, input: Json) => {
			made[name] = await agent.mutate('requests.create', { recipientName: name, ...input });
			time.advance(1000);
		};
		// Oldest first; each one second apart, so the list order (newest first) is known.
		await create('Percy 100% sure', { comments: 'plain' });
		await create('Under_score', { assignment: { kind: 'unassigned' } });
		await create('Mailer', {
			recipientEmail: 'findme@example.org',
			assignment: { kind: 'queue', queueId }
		});
		await create('Commented', {
			comments: 'the customer says 50_50 chance',
			assignment: { kind: 'agent', userId: colleague.id }
		});
		await create('Soon', { scheduledAt: time.iso(HOUR) });
		await create('Later', { scheduledAt: time.iso(3 * DAY) });
		await create('Waiter', {});
		await create('Closer', {});
		await new ApiClient(server.url).mutate('link.open', { token: tokenOf(made.Waiter) });
		await agent.mutate('requests.close', { id: made.Closer.id });
		// Now "Soon" lies in the past, "Later" is still ahead.
		time.advance(2 * HOUR);
	});
	afterAll(() => server.close());

	it('answers {items, nextCursor}, newest first, with full SessionRequests', async () => {
		const list = await agent.query('requests.list', {});
		expect(Object.keys(list).sort()).toEqual(['items', 'nextCursor']);
		expect(list.nextCursor).toBeNull();
		for (const item of list.items) expectSessionRequest(item);
		expect(ids(list)).toEqual(
			idsOf(
				'Closer',
				'Waiter',
				'Later',
				'Soon',
				'Commented',
				'Mailer',
				'Under_score',
				'Percy 100% sure'
			)
		);
		// No input at all is the same as {}.
		expect(ids(await agent.query('requests.list'))).toEqual(ids(list));
	});

	it('filters by status', async () => {
		expect(ids(await agent.query('requests.list', { status: ['closed'] }))).toEqual(
			idsOf('Closer')
		);
		expect(ids(await agent.query('requests.list', { status: ['waiting', 'closed'] }))).toEqual(
			idsOf('Closer', 'Waiter')
		);
		expect(ids(await agent.query('requests.list', { status: ['connected'] }))).toEqual([]);
		expect(ids(await agent.query('requests.list', { status: ['open'] }))).toEqual(
			idsOf('Later', 'Soon', 'Commented', 'Mailer', 'Under_score', 'Percy 100% sure')
		);
	});

	it('filters by assignment: me, unassigned, queue and agent', async () => {
		expect(ids(await agent.query('requests.list', { assignment: { kind: 'me' } }))).toEqual(
			idsOf('Closer', 'Waiter', 'Later', 'Soon', 'Percy 100% sure')
		);
		expect(ids(await agent.query('requests.list', { assignment: { kind: 'unassigned' } }))).toEqual(
			idsOf('Under_score')
		);
		expect(
			ids(await agent.query('requests.list', { assignment: { kind: 'queue', queueId } }))
		).toEqual(idsOf('Mailer'));
		expect(
			ids(
				await agent.query('requests.list', {
					assignment: { kind: 'agent', userId: colleague.id }
				})
			)
		).toEqual(idsOf('Commented'));
	});

	it('filters by schedule: upcoming and past', async () => {
		expect(ids(await agent.query('requests.list', { scheduled: 'upcoming' }))).toEqual(
			idsOf('Later')
		);
		expect(ids(await agent.query('requests.list', { scheduled: 'past' }))).toEqual(idsOf('Soon'));
	});

	it('searches name, email and comments, case-insensitively', async () => {
		const search = async (text: string) =>
			ids(await agent.query('requests.list', { search: text }));
		expect(await search('percy')).toEqual(idsOf('Percy 100% sure'));
		expect(await search('FINDME@')).toEqual(idsOf('Mailer'));
		expect(await search('customer says')).toEqual(idsOf('Commented'));
		expect(await search('  plain  ')).toEqual(idsOf('Percy 100% sure'));
		expect(await search('nothing like this')).toEqual([]);
	});

	it("treats '%' and '_' in a search as literal characters", async () => {
		const search = async (text: string) =>
			ids(await agent.query('requests.list', { search: text }));
		expect(await search('%')).toEqual(idsOf('Percy 100% sure'));
		expect(await search('0% s')).toEqual(idsOf('Percy 100% sure'));
		expect(await search('_')).toEqual(idsOf('Commented', 'Under_score'));
		expect(await search('r_s')).toEqual(idsOf('Under_score'));
		expect(await search('\\')).toEqual([]);
	});

	it('combines filters', async () => {
		expect(
			ids(
				await agent.query('requests.list', {
					status: ['open'],
					assignment: { kind: 'me' },
					scheduled: 'upcoming'
				})
			)
		).toEqual(idsOf('Later'));
	});

	it('pages with limit and cursor, without gaps or repeats', async () => {
		const all = ids(await agent.query('requests.list', {}));
		const seen: string[] = [];
		let cursor: string | undefined;
		let pages = 0;
		do {
			const page = await agent.query('requests.list', { limit: 3, cursor });
			expect(page.items.length).toBeLessThanOrEqual(3);
			seen.push(...ids(page));
			cursor = page.nextCursor ?? undefined;
			pages += 1;
		} while (cursor);
		expect(pages).toBe(3);
		expect(seen).toEqual(all);

		// A page that ends exactly at the last item has no next cursor.
		const exact = await agent.query('requests.list', { limit: all.length });
		expect(exact.nextCursor).toBeNull();
		// Paging composes with filters.
		const first = await agent.query('requests.list', { status: ['open'], limit: 4 });
		expect(first.items).toHaveLength(4);
		const second = await agent.query('requests.list', {
			status: ['open'],
			limit: 4,
			cursor: first.nextCursor
		});
		expect([...ids(first), ...ids(second)]).toEqual(
			ids(await agent.query('requests.list', { status: ['open'] }))
		);
		expect(second.nextCursor).toBeNull();
	});
});
