/**
 * Bad input: BAD_REQUEST naming the field and nothing written; illegal transitions: CONFLICT
 * naming the current status; unusable link tokens: NOT_FOUND that never tells which requests
 * exist; malformed and oversized bodies: a 4xx, never a 500.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiClient, expectApiError } from '../support/client';
import { makeUser, startTestServer, type TestServer } from '../support/server';
import { prepareSql } from '../../src/server/db/plain-sql';

type Json = Record<string, any>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function manualClock(start = Date.parse('2031-05-05T08:00:00.000Z')) {
	let now = start;
	return {
		clock: () => now,
		advance(ms: number) {
			now += ms;
		},
		iso(offsetMs = 0) {
			return new Date(now + offsetMs).toISOString();
		}
	};
}

const tokenOf = (r: { link?: string | null }) => {
	if (!r.link) throw new Error('request has no link');
	return new URL(r.link).pathname.split('/').at(-1) as string;
};

/** Rows in the tables a refused call must not touch. */
function counts(server: TestServer) {
	const n = (table: string) =>
		(server.app.sqlite.prepare(`select count(*) n from ${table}`).get() as { n: number }).n;
	return {
		requests: n('session_requests'),
		events: n('request_events'),
		users: n('users'),
		queues: n('queues'),
		members: n('queue_members'),
		tokens: n('api_tokens'),
		outbox: n('mail_outbox')
	};
}

describe('validation', () => {
	let server: TestServer;
	const time = manualClock();
	let admin: ApiClient;
	let agent: ApiClient;
	let noAccess: { id: string };
	let queueId: string;
	let before: ReturnType<typeof counts>;

	beforeAll(async () => {
		server = await startTestServer({ clock: time.clock });
		const adminUser = await makeUser(server.app, 'admin', 'edit');
		const agentUser = await makeUser(server.app, 'agent', 'edit');
		noAccess = await makeUser(server.app, 'agent', 'none');
		admin = new ApiClient(server.url);
		await admin.login(adminUser.email, adminUser.password);
		agent = new ApiClient(server.url);
		await agent.login(agentUser.email, agentUser.password);
		queueId = (await admin.mutate('queues.create', { name: 'Existing', memberIds: [] })).queue.id;
	});
	afterAll(() => server.close());
	beforeEach(() => {
		before = counts(server);
	});

	/** BAD_REQUEST naming `field` in `data.field` and its message, and no row written anywhere. */
	async function expectBadRequest(call: Promise<unknown>, field: string) {
		const error = await expectApiError(call, 'BAD_REQUEST', 'invalid');
		expect(error.status).toBe(400);
		expect(error.body.data.field).toBe(field);
		expect(
			error.body.message.startsWith(`${field}: `),
			`"${error.body.message}" should name ${field}`
		).toBe(true);
		expect(counts(server)).toEqual(before);
		return error;
	}

	const create = (input: unknown) => agent.mutate('requests.create', input);

	describe('requests.create', () => {
		it.each<[string, Json, string]>([
			['a number as name', { recipientName: 42 }, 'recipientName'],
			['no name', {}, 'recipientName'],
			['a null name', { recipientName: null }, 'recipientName'],
			['an empty name', { recipientName: '' }, 'recipientName'],
			['a whitespace name', { recipientName: ' \t\n ' }, 'recipientName'],
			['a 201-character name', { recipientName: 'x'.repeat(201) }, 'recipientName'],
			['a string as sendEmail', { recipientName: 'A', sendEmail: 'yes' }, 'sendEmail'],
			['an unknown language', { recipientName: 'A', emailLanguage: 'xx' }, 'emailLanguage'],
			['a number as comments', { recipientName: 'A', comments: 7 }, 'comments'],
			[
				'4001 characters of comments',
				{ recipientName: 'A', comments: 'c'.repeat(4001) },
				'comments'
			],
			['a bad id', { id: 'not-a-uuid', recipientName: 'A' }, 'id'],
			['a malformed scheduledAt', { recipientName: 'A', scheduledAt: 'tomorrow' }, 'scheduledAt'],
			['a numeric expiresAt', { recipientName: 'A', expiresAt: Date.now() + DAY }, 'expiresAt'],
			['an assignment without kind', { recipientName: 'A', assignment: {} }, 'assignment.kind'],
			[
				'an unknown assignment kind',
				{ recipientName: 'A', assignment: { kind: 'team' } },
				'assignment.kind'
			],
			[
				'a malformed assignment.userId',
				{ recipientName: 'A', assignment: { kind: 'agent', userId: 'bob' } },
				'assignment.userId'
			],
			[
				'an assignment to an agent without userId',
				{ recipientName: 'A', assignment: { kind: 'agent' } },
				'assignment.userId'
			]
		])('refuses %s', async (_, input, field) => {
			await expectBadRequest(create(input), field);
		});

		it.each([
			'not-an-email',
			'missing-at.example.com',
			'a@',
			'@example.com',
			'two@@example.com',
			'spa ce@example.com',
			'a@b',
			`${'x'.repeat(250)}@example.com`
		])('refuses the email %s', async (email) => {
			await expectBadRequest(
				create({ recipientName: 'A', recipientEmail: email }),
				'recipientEmail'
			);
		});

		it('refuses sendEmail without an email', async () => {
			await expectBadRequest(create({ recipientName: 'A', sendEmail: true }), 'recipientEmail');
			await expectBadRequest(
				create({ recipientName: 'A', sendEmail: true, recipientEmail: '' }),
				'recipientEmail'
			);
			await expectBadRequest(
				create({ recipientName: 'A', sendEmail: true, recipientEmail: null }),
				'recipientEmail'
			);
		});

		it('refuses a scheduledAt in the past or now', async () => {
			await expectBadRequest(
				create({ recipientName: 'A', scheduledAt: time.iso(-MINUTE) }),
				'scheduledAt'
			);
			await expectBadRequest(
				create({ recipientName: 'A', scheduledAt: time.iso() }),
				'scheduledAt'
			);
		});

		it('refuses an expiresAt in the past, or not after scheduledAt', async () => {
			await expectBadRequest(create({ recipientName: 'A', expiresAt: time.iso(-1) }), 'expiresAt');
			await expectBadRequest(
				create({ recipientName: 'A', scheduledAt: time.iso(2 * HOUR), expiresAt: time.iso(HOUR) }),
				'expiresAt'
			);
			await expectBadRequest(
				create({
					recipientName: 'A',
					scheduledAt: time.iso(2 * HOUR),
					expiresAt: time.iso(2 * HOUR)
				}),
				'expiresAt'
			);
		});

		it('refuses an assignment to an unknown or unfit user, or an unknown queue', async () => {
			await expectBadRequest(
				create({ recipientName: 'A', assignment: { kind: 'agent', userId: randomUUID() } }),
				'assignment.userId'
			);
			await expectBadRequest(
				create({ recipientName: 'A', assignment: { kind: 'agent', userId: noAccess.id } }),
				'assignment.userId'
			);
			await expectBadRequest(
				create({ recipientName: 'A', assignment: { kind: 'queue', queueId: randomUUID() } }),
				'assignment.queueId'
			);
		});

		it('accepts the limits themselves', async () => {
			const created = await create({
				recipientName: `  ${'n'.repeat(200)}  `,
				comments: 'c'.repeat(4000),
				recipientEmail: 'edge@example.com',
				sendEmail: true,
				assignment: { kind: 'queue', queueId }
			});
			expect(created.recipientName).toBe('n'.repeat(200));
			expect(created.comments).toHaveLength(4000);
			expect(counts(server).requests).toBe(before.requests + 1);
		});
	});

	describe('requests.update, extend and reopen', () => {
		let request: Json;
		beforeAll(async () => {
			request = await create({ recipientName: 'Target', scheduledAt: time.iso(DAY) });
		});

		it.each<[string, Json, string]>([
			['an empty name', { recipientName: '  ' }, 'recipientName'],
			['a long name', { recipientName: 'x'.repeat(201) }, 'recipientName'],
			['oversized comments', { comments: 'c'.repeat(4001) }, 'comments'],
			['a bad email', { recipientEmail: 'nope' }, 'recipientEmail'],
			['sendEmail without an email', { sendEmail: true }, 'recipientEmail'],
			['a past scheduledAt', { scheduledAt: '2000-01-01T00:00:00Z' }, 'scheduledAt'],
			['a scheduledAt after expiry', { scheduledAt: '2099-01-01T00:00:00Z' }, 'expiresAt'],
			['an unknown language', { emailLanguage: 'klingon' }, 'emailLanguage']
		])('requests.update refuses %s', async (_, patch, field) => {
			await expectBadRequest(agent.mutate('requests.update', { id: request.id, ...patch }), field);
			const unchanged = await agent.query('requests.get', { id: request.id });
			expect(unchanged.version).toBe(request.version);
		});

		it('requests.update refuses a bad id', async () => {
			await expectBadRequest(agent.mutate('requests.update', { id: 'x', comments: 'y' }), 'id');
		});

		it('requests.assign refuses unknown users and queues', async () => {
			await expectBadRequest(
				agent.mutate('requests.assign', {
					id: request.id,
					assignment: { kind: 'agent', userId: randomUUID() }
				}),
				'assignment.userId'
			);
			await expectBadRequest(
				agent.mutate('requests.assign', {
					id: request.id,
					assignment: { kind: 'queue', queueId: randomUUID() }
				}),
				'assignment.queueId'
			);
			await expectBadRequest(agent.mutate('requests.assign', { id: request.id }), 'assignment');
		});

		it('requests.extend refuses an expiry in the past or not after the schedule', async () => {
			await expectBadRequest(
				agent.mutate('requests.extend', { id: request.id, expiresAt: time.iso(-HOUR) }),
				'expiresAt'
			);
			await expectBadRequest(
				agent.mutate('requests.extend', { id: request.id, expiresAt: time.iso(HOUR) }),
				'expiresAt'
			);
			await expectBadRequest(agent.mutate('requests.extend', { id: request.id }), 'expiresAt');
		});

		it('requests.reopen refuses an expiry in the past', async () => {
			const closed = await create({ recipientName: 'Closed' });
			await agent.mutate('requests.close', { id: closed.id });
			before = counts(server);
			await expectBadRequest(
				agent.mutate('requests.reopen', { id: closed.id, expiresAt: time.iso(-MINUTE) }),
				'expiresAt'
			);
			expect((await agent.query('requests.get', { id: closed.id })).status).toBe('closed');
		});
	});

	describe('other procedures', () => {
		it.each<[string, Json, string]>([
			['a limit of 0', { limit: 0 }, 'limit'],
			['a limit of 201', { limit: 201 }, 'limit'],
			['a fractional limit', { limit: 1.5 }, 'limit'],
			['an unknown status', { status: ['lost'] }, 'status.0'],
			['a status that is not a list', { status: 'open' }, 'status'],
			['an unknown schedule', { scheduled: 'someday' }, 'scheduled'],
			['a long search', { search: 's'.repeat(201) }, 'search'],
			['a forged cursor', { cursor: 'bm90IGEgY3Vyc29y' }, 'cursor']
		])('requests.list refuses %s', async (_, input, field) => {
			await expectBadRequest(agent.query('requests.list', input), field);
		});

		it('queues.create refuses unknown member ids and bad names', async () => {
			await expectBadRequest(
				admin.mutate('queues.create', { name: 'Ghosts', memberIds: [randomUUID()] }),
				'memberIds'
			);
			await expectBadRequest(
				admin.mutate('queues.create', { name: 'Ghosts', memberIds: ['nobody'] }),
				'memberIds.0'
			);
			await expectBadRequest(admin.mutate('queues.create', { name: ' ', memberIds: [] }), 'name');
			await expectBadRequest(admin.mutate('queues.create', { name: 'No members' }), 'memberIds');
			await expectBadRequest(
				admin.mutate('queues.update', { id: queueId, memberIds: [randomUUID()] }),
				'memberIds'
			);
		});

		it('users.create refuses bad fields', async () => {
			const good = {
				email: 'new@example.com',
				name: 'New',
				password: 'long enough pw',
				role: 'agent',
				permission: 'view'
			};
			await expectBadRequest(admin.mutate('users.create', { ...good, email: 'nope' }), 'email');
			await expectBadRequest(admin.mutate('users.create', { ...good, name: '' }), 'name');
			await expectBadRequest(
				admin.mutate('users.create', { ...good, password: 'short' }),
				'password'
			);
			await expectBadRequest(admin.mutate('users.create', { ...good, role: 'root' }), 'role');
			await expectBadRequest(
				admin.mutate('users.create', { ...good, permission: 'all' }),
				'permission'
			);
		});

		it('tokens.create, auth.login and link.respond refuse bad fields', async () => {
			await expectBadRequest(admin.mutate('tokens.create', { name: '' }), 'name');
			await expectBadRequest(new ApiClient(server.url).login('', 'x'), 'email');
			await expectBadRequest(
				new ApiClient(server.url).mutate('link.respond', { token: 'x', decision: 'maybe' }),
				'decision'
			);
			await expectBadRequest(new ApiClient(server.url).query('link.get', {}), 'token');
		});

		it('refuses a malformed JSON body with a 400', async () => {
			for (const body of ['{"recipientName": ', '{recipientName: "A"}', 'undefined']) {
				const response = await fetch(`${server.url}/api/trpc/requests.create`, {
					method: 'POST',
					headers: { cookie: agent.cookie as string, 'content-type': 'application/json' },
					body
				});
				expect(response.status).toBe(400);
				const json = await response.json();
				expect(json.error.data.code).toBe('BAD_REQUEST');
			}
			expect(counts(server)).toEqual(before);
		});

		it('refuses malformed query input with a 400', async () => {
			const response = await fetch(`${server.url}/api/trpc/requests.list?input=%7Bnope`, {
				headers: { cookie: agent.cookie as string }
			});
			expect(response.status).toBe(400);
		});

		it('answers a 2 MB body with a 4xx, not a 500, and keeps serving', async () => {
			const huge = JSON.stringify({ recipientName: 'Big', padding: 'x'.repeat(2 * 1024 * 1024) });
			const response = await fetch(`${server.url}/api/trpc/requests.create`, {
				method: 'POST',
				headers: { cookie: agent.cookie as string, 'content-type': 'application/json' },
				body: huge
			});
			expect(response.status).toBeGreaterThanOrEqual(400);
			expect(response.status).toBeLessThan(500);
			expect(response.status).toBe(413);
			expect(counts(server)).toEqual(before);
			const huger = JSON.stringify({ recipientName: 'x'.repeat(2 * 1024 * 1024) });
			const again = await fetch(`${server.url}/api/trpc/requests.create`, {
				method: 'POST',
				headers: { cookie: agent.cookie as string, 'content-type': 'application/json' },
				body: huger
			});
			expect(again.status).toBe(413);
			expect(counts(server)).toEqual(before);
			expect((await agent.query('auth.me')).user.email).toMatch(/@example.com$/);
		});
	});
});

describe('illegal transitions', () => {
	let server: TestServer;
	const time = manualClock();
	let agent: ApiClient;
	let other: ApiClient;
	let agentName: string;
	let sharedQueueId: string;
	const endUser = () => new ApiClient(server.url);

	beforeAll(async () => {
		server = await startTestServer({ clock: time.clock });
		const a = await makeUser(server.app, 'agent', 'edit');
		const b = await makeUser(server.app, 'agent', 'edit');
		const boss = await makeUser(server.app, 'admin', 'edit');
		agentName = a.name;
		agent = new ApiClient(server.url);
		await agent.login(a.email, a.password);
		other = new ApiClient(server.url);
		await other.login(b.email, b.password);
		const admin = new ApiClient(server.url);
		await admin.login(boss.email, boss.password);
		sharedQueueId = (
			await admin.mutate('queues.create', { name: 'Shared', memberIds: [a.id, b.id] })
		).queue.id;
	});
	afterAll(() => server.close());

	async function inState(state: 'open' | 'waiting' | 'ready' | 'connected' | 'closed') {
		const r = await agent.mutate('requests.create', {
			recipientName: `In ${state}`,
			assignment: { kind: 'unassigned' }
		});
		const token = tokenOf(r);
		if (state !== 'open' && state !== 'closed') {
			await endUser().mutate('link.open', { token });
		}
		if (state === 'ready' || state === 'connected') {
			await agent.mutate('requests.requestConnect', { id: r.id });
			await endUser().mutate('link.respond', { token, decision: 'allow' });
		}
		if (state === 'connected') await agent.mutate('requests.start', { id: r.id });
		if (state === 'closed') await agent.mutate('requests.close', { id: r.id });
		return { ...(await agent.query('requests.get', { id: r.id })), token };
	}

	/** CONFLICT naming the current status; nothing written. */
	async function expectConflict(call: () => Promise<unknown>, id: string, status: string) {
		const beforeRow = prepareSql(
			server.app.sqlite,
			(param) => `select * from session_requests where id = ${param()}`
		).get(id);
		const events = (
			prepareSql(
				server.app.sqlite,
				(param) => `select count(*) n from request_events where request_id = ${param()}`
			).get(id) as { n: number }
		).n;
		const error = await expectApiError(call(), 'CONFLICT');
		expect(error.status).toBe(409);
		expect(error.body.message).toContain(status);
		expect(
			prepareSql(
				server.app.sqlite,
				(param) => `select * from session_requests where id = ${param()}`
			).get(id)
		).toEqual(beforeRow);
		expect(
			(
				prepareSql(
					server.app.sqlite,
					(param) => `select count(*) n from request_events where request_id = ${param()}`
				).get(id) as { n: number }
			).n
		).toBe(events);
	}

	it.each<[string, 'open' | 'waiting' | 'ready' | 'connected' | 'closed', Json]>([
		['requests.start', 'open', {}],
		['requests.start', 'waiting', {}],
		['requests.start', 'connected', {}],
		['requests.start', 'closed', {}],
		['requests.requestConnect', 'open', {}],
		['requests.requestConnect', 'ready', {}],
		['requests.requestConnect', 'connected', {}],
		['requests.end', 'open', {}],
		['requests.end', 'waiting', {}],
		['requests.end', 'ready', {}],
		['requests.close', 'closed', {}],
		['requests.reopen', 'open', {}],
		['requests.reopen', 'waiting', {}],
		['requests.reopen', 'connected', {}],
		['requests.update', 'closed', { comments: 'too late' }],
		['requests.assign', 'closed', { assignment: { kind: 'me' } }],
		['requests.take', 'closed', {}],
		['requests.regenerateLink', 'closed', {}],
		['requests.extend', 'closed', { expiresAt: '2040-01-01T00:00:00.000Z' }]
	])('%s on a %s request', async (path, state, extra) => {
		const r = await inState(state);
		await expectConflict(() => agent.mutate(path, { id: r.id, ...extra }), r.id, state);
	});

	it('link.respond without a pending connect request is a conflict', async () => {
		const r = await inState('waiting');
		await expectConflict(
			() => endUser().mutate('link.respond', { token: r.token, decision: 'allow' }),
			r.id,
			'asked'
		);
		const open = await inState('open');
		await expectConflict(
			() => endUser().mutate('link.respond', { token: open.token, decision: 'allow' }),
			open.id,
			'open'
		);
	});

	it('link.decline on a connected session is a conflict', async () => {
		const r = await inState('connected');
		await expectConflict(
			() => endUser().mutate('link.decline', { token: r.token }),
			r.id,
			'connected'
		);
	});

	it('expired requests refuse what only live ones allow, naming "expired"', async () => {
		const r = await agent.mutate('requests.create', {
			recipientName: 'Short-lived',
			expiresAt: time.iso(HOUR)
		});
		time.advance(HOUR + 1);
		for (const [path, extra] of [
			['requests.start', {}],
			['requests.requestConnect', {}],
			['requests.close', {}],
			['requests.update', { comments: 'late' }],
			['requests.extend', { expiresAt: time.iso(DAY) }],
			['requests.regenerateLink', {}]
		] as const) {
			await expectConflict(() => agent.mutate(path, { id: r.id, ...extra }), r.id, 'expired');
		}
		// Reopen is the way out.
		expect((await agent.mutate('requests.reopen', { id: r.id })).status).toBe('open');
	});

	it('taking a queued request someone already took says who has it', async () => {
		// Created by `other`: still visible to them once `agent` has it.
		const visible = await other.mutate('requests.create', {
			recipientName: 'Wanted',
			assignment: { kind: 'queue', queueId: sharedQueueId }
		});
		await agent.mutate('requests.take', { id: visible.id });
		await expectConflict(
			() => other.mutate('requests.take', { id: visible.id }),
			visible.id,
			agentName
		);
		// Created by `agent`: it leaves `other`'s view once taken, yet the loser learns who won.
		const hidden = await agent.mutate('requests.create', {
			recipientName: 'Wanted too',
			assignment: { kind: 'queue', queueId: sharedQueueId }
		});
		await agent.mutate('requests.take', { id: hidden.id });
		await expectConflict(
			() => other.mutate('requests.take', { id: hidden.id }),
			hidden.id,
			agentName
		);
	});

	it('a connected session past its expiry can still be edited (it does not expire mid-session)', async () => {
		const r = await agent.mutate('requests.create', {
			recipientName: 'Long call',
			assignment: { kind: 'unassigned' },
			expiresAt: time.iso(HOUR)
		});
		const token = tokenOf(r);
		await endUser().mutate('link.open', { token });
		await agent.mutate('requests.requestConnect', { id: r.id });
		await endUser().mutate('link.respond', { token, decision: 'allow' });
		await agent.mutate('requests.start', { id: r.id });
		time.advance(2 * HOUR);
		const updated = await agent.mutate('requests.update', { id: r.id, comments: 'Still going' });
		expect(updated).toMatchObject({ status: 'connected', comments: 'Still going' });
		expect((await agent.mutate('requests.end', { id: r.id })).closedReason).toBe('completed');
	});

	it('requests.update on a closed request is a conflict even with otherwise bad input', async () => {
		const r = await inState('closed');
		await expectConflict(
			() => agent.mutate('requests.update', { id: r.id, sendEmail: true }),
			r.id,
			'closed'
		);
	});

	it('a request id that already exists is a conflict', async () => {
		const r = await agent.mutate('requests.create', { recipientName: 'Original' });
		await expectConflict(
			() => agent.mutate('requests.create', { id: r.id, recipientName: 'Copy' }),
			r.id,
			'already exists'
		);
	});
});

describe('link tokens', () => {
	let server: TestServer;
	let agent: ApiClient;
	const endUser = () => new ApiClient(server.url);

	beforeAll(async () => {
		server = await startTestServer();
		const a = await makeUser(server.app, 'agent', 'edit');
		agent = new ApiClient(server.url);
		await agent.login(a.email, a.password);
	});
	afterAll(() => server.close());

	/** A token of the right shape that no request ever had. */
	const wellFormedToken = () => randomBytes(40).toString('base64url');

	it('an unknown token and a replaced one get the same NOT_FOUND message', async () => {
		const r = await agent.mutate('requests.create', { recipientName: 'Linked' });
		const oldToken = tokenOf(r);
		const fresh = wellFormedToken();
		expect(fresh).toHaveLength(oldToken.length);
		await agent.mutate('requests.regenerateLink', { id: r.id });

		const unknown = await expectApiError(
			endUser().query('link.get', { token: fresh }),
			'NOT_FOUND'
		);
		const replaced = await expectApiError(
			endUser().query('link.get', { token: oldToken }),
			'NOT_FOUND'
		);
		expect(unknown.status).toBe(404);
		expect(replaced.message).toBe(unknown.message);
		expect(unknown.message.length).toBeGreaterThan(10);

		// A forged token carrying a real request's id is no different from an unknown one.
		const idBytes = Buffer.from(r.id.replace(/-/g, ''), 'hex');
		const forged = Buffer.concat([idBytes, randomBytes(24)]).toString('base64url');
		expect(forged).toHaveLength(oldToken.length);
		const forgedError = await expectApiError(
			endUser().query('link.get', { token: forged }),
			'NOT_FOUND'
		);
		expect(forgedError.message).toBe(unknown.message);

		// Every link procedure answers the same.
		for (const [path, extra] of [
			['link.open', {}],
			['link.respond', { decision: 'allow' }],
			['link.decline', {}]
		] as const) {
			const error = await expectApiError(
				endUser().mutate(path, { token: oldToken, ...extra }),
				'NOT_FOUND'
			);
			expect(error.message, path).toBe(unknown.message);
		}
		// And the old token changed nothing.
		expect((await agent.query('requests.get', { id: r.id })).status).toBe('open');
	});

	it('a garbage token is NOT_FOUND too, and does not talk about other requests', async () => {
		const unknown = await expectApiError(
			endUser().query('link.get', { token: wellFormedToken() }),
			'NOT_FOUND'
		);
		for (const token of ['x', 'not a token at all', '../../etc/passwd', '%00', 'A'.repeat(54)]) {
			const error = await expectApiError(endUser().query('link.get', { token }), 'NOT_FOUND');
			expect(error.message).toBe(unknown.message);
		}
		await expectApiError(endUser().query('link.get', { token: 'x'.repeat(201) }), 'BAD_REQUEST');
	});

	it('the tokens of closed requests are NOT_FOUND', async () => {
		const r = await agent.mutate('requests.create', { recipientName: 'Done' });
		await agent.mutate('requests.close', { id: r.id });
		const error = await expectApiError(
			endUser().query('link.get', { token: tokenOf(r) }),
			'NOT_FOUND'
		);
		expect(error.message).not.toContain(r.id);
		expect(error.message).not.toContain('Done');
	});
});
