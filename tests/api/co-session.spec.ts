/**
 * A second agent in a live session, over the real HTTP API: who may be invited, the colleague's
 * signalling (stamped with who sent it, addressed with `to`), the end user removing them (their
 * signalling refused and their stream ended), and the hand-over (the assignee changes, the
 * timeline says so). The single-agent flow is tests/api/signalling.spec.ts, unchanged.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiClient, expectApiError } from '../support/client';
import { makeUser, signIn, startTestServer, type TestServer } from '../support/server';
import { sseEvents, subscribe } from '../support/sse';

type Json = Record<string, any>;

const tokenOf = (r: { link?: string | null }) => new URL(r.link as string).pathname.split('/')[2];

/** One SSE subscription, read event by event (as in signalling.spec.ts, kept small). */
class Stream {
	readonly events: Json[] = [];
	readonly #abort = new AbortController();
	error: Json | null = null;
	ended = false;

	static async open(client: ApiClient, path: string, input: unknown) {
		const stream = new Stream();
		void stream.#read(await subscribe(client, path, input, stream.#abort.signal));
		return stream;
	}

	async #read(body: ReadableStream<Uint8Array>) {
		try {
			for await (const { event, data } of sseEvents(body)) {
				if (event === 'serialized-error' && data) this.error = JSON.parse(data);
				if (event === 'message' && data) this.events.push(JSON.parse(data));
				if (event === 'return' || event === 'serialized-error') this.ended = true;
			}
		} catch {
			// closed
		} finally {
			this.ended = true;
		}
	}

	async until(done: () => boolean, timeoutMs = 3000) {
		const deadline = Date.now() + timeoutMs;
		while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
		return done();
	}

	close() {
		this.#abort.abort();
	}
}

describe('a second agent in a live session', () => {
	let server: TestServer;
	let admin: ApiClient;
	let owner: ApiClient;
	let ownerUser: { id: string; name: string };
	let colleague: ApiClient;
	let colleagueUser: { id: string; name: string };
	let endUser: ApiClient;
	const streams: Stream[] = [];

	async function stream(client: ApiClient, path: string, input: unknown) {
		const s = await Stream.open(client, path, input);
		streams.push(s);
		return s;
	}

	async function session(state: 'ready' | 'connected' = 'connected') {
		const r = await admin.mutate('requests.create', {
			recipientName: 'Rosa',
			assignment: { kind: 'agent', userId: ownerUser.id }
		});
		const token = tokenOf(r);
		await endUser.mutate('link.open', { token });
		await owner.mutate('requests.requestConnect', { id: r.id });
		await endUser.mutate('link.respond', { token, decision: 'allow' });
		if (state === 'connected') await owner.mutate('requests.start', { id: r.id });
		return { id: r.id as string, token };
	}

	beforeEach(async () => {
		server = await startTestServer();
		const a = await makeUser(server.app, 'admin', 'edit');
		const o = await makeUser(server.app, 'agent', 'edit');
		const c = await makeUser(server.app, 'agent', 'edit');
		ownerUser = o;
		colleagueUser = c;
		admin = await signIn(server, a);
		owner = await signIn(server, o);
		colleague = await signIn(server, c);
		endUser = new ApiClient(server.url);
	});
	afterEach(async () => {
		for (const s of streams.splice(0)) s.close();
		await server.close();
	});

	it('lets the owner invite a colleague with edit permission into a connected session only', async () => {
		const ready = await session('ready');
		const notYet = await expectApiError(
			owner.mutate('requests.inviteToSession', { id: ready.id, userId: colleagueUser.id }),
			'CONFLICT'
		);
		expect(notYet.reason).toBe('conflict');

		const { id } = await session('connected');
		const viewer = await makeUser(server.app, 'agent', 'view');
		const viewOnly = await expectApiError(
			owner.mutate('requests.inviteToSession', { id, userId: viewer.id }),
			'BAD_REQUEST'
		);
		expect(viewOnly.reason).toBe('invalid');
		expect(viewOnly.message).toMatch(/edit permission/);

		const gone = await makeUser(server.app, 'agent', 'edit');
		await admin.mutate('users.update', { id: gone.id, active: false });
		const inactive = await expectApiError(
			owner.mutate('requests.inviteToSession', { id, userId: gone.id }),
			'BAD_REQUEST'
		);
		expect(inactive.message).toMatch(/not an active user/);

		// Only the owner (or an admin) invites: the colleague cannot invite themselves.
		const self = await expectApiError(
			colleague.mutate('requests.inviteToSession', { id, userId: colleagueUser.id }),
			'NOT_FOUND'
		);
		expect(self.reason).toBe('not_found');

		// Before the invite the colleague is refused the session (the request is not theirs to see).
		await expectApiError(colleague.query('requests.session', { id }), 'NOT_FOUND');
		expect(await colleague.query('requests.sessionInvites')).toEqual({ invites: [] });

		const invited = await owner.mutate('requests.inviteToSession', {
			id,
			userId: colleagueUser.id
		});
		expect(invited.guests).toEqual([
			expect.objectContaining({ userId: colleagueUser.id, name: colleagueUser.name })
		]);
		// A second colleague would make three viewers: refused.
		const third = await makeUser(server.app, 'agent', 'edit');
		const full = await expectApiError(
			owner.mutate('requests.inviteToSession', { id, userId: third.id }),
			'CONFLICT'
		);
		expect(full.message).toMatch(/already watching/);

		const { invites } = await colleague.query('requests.sessionInvites');
		expect(invites).toEqual([{ requestId: id, recipientName: 'Rosa', invitedBy: ownerUser.name }]);
		expect(await colleague.query('requests.session', { id })).toHaveProperty('iceServers');
		const participants = await colleague.query('requests.sessionParticipants', { id });
		expect(participants.owner).toEqual({ userId: ownerUser.id, name: ownerUser.name });
		expect(participants.guests.map((g: Json) => g.userId)).toEqual([colleagueUser.id]);
	});

	it('relays each agent’s messages to the end user with who sent them, and `to` to every agent', async () => {
		const { id, token } = await session();
		await owner.mutate('requests.inviteToSession', { id, userId: colleagueUser.id });
		const userStream = await stream(endUser, 'link.signals', { token });
		const ownerStream = await stream(owner, 'requests.signals', { id });
		const colleagueStream = await stream(colleague, 'requests.signals', { id });

		await owner.mutate('requests.signal', { id, message: { type: 'hello', peer: 'page-o' } });
		await colleague.mutate('requests.signal', { id, message: { type: 'hello', peer: 'page-c' } });
		expect(await userStream.until(() => userStream.events.length === 2)).toBe(true);
		expect(userStream.events.map((e) => [e.message.peer, e.agent])).toEqual([
			['page-o', { id: ownerUser.id, name: ownerUser.name }],
			['page-c', { id: colleagueUser.id, name: colleagueUser.name }]
		]);

		const offer = { type: 'offer', peer: 'page-u', to: 'page-c', attempt: 'a1', sdp: 'v=0\r\n' };
		await endUser.mutate('link.signal', { token, message: offer });
		expect(await colleagueStream.until(() => colleagueStream.events.length === 1)).toBe(true);
		expect(colleagueStream.events[0].message).toEqual(offer);
		// Agents never hear each other; the owner's page reads `to` and leaves it.
		await ownerStream.until(() => ownerStream.events.length === 1);
		expect(ownerStream.events.map((e) => e.message.to)).toEqual(['page-c']);
	});

	it('lets the end user remove the colleague: their signalling is refused and their stream ends', async () => {
		const { id, token } = await session();
		await owner.mutate('requests.inviteToSession', { id, userId: colleagueUser.id });
		const colleagueStream = await stream(colleague, 'requests.signals', { id });
		await colleague.mutate('requests.signal', { id, message: { type: 'hello', peer: 'c' } });

		// Without the page's session key, or for someone who is not a guest: refused.
		const stranger = new ApiClient(server.url);
		stranger.sessionKeys = new Map();
		await expectApiError(
			stranger.mutate('link.removeAgent', { token, userId: colleagueUser.id }),
			'FORBIDDEN'
		);
		const notGuest = await expectApiError(
			endUser.mutate('link.removeAgent', { token, userId: ownerUser.id }),
			'NOT_FOUND'
		);
		expect(notGuest.message).toMatch(/Nobody/);

		expect(await endUser.mutate('link.removeAgent', { token, userId: colleagueUser.id })).toEqual({
			ok: true
		});
		expect(await colleagueStream.until(() => colleagueStream.ended)).toBe(true);
		const refused = await expectApiError(
			colleague.mutate('requests.signal', { id, message: { type: 'hello', peer: 'c' } }),
			'NOT_FOUND'
		);
		expect(refused.reason).toBe('not_found');
		expect(await colleague.query('requests.sessionInvites')).toEqual({ invites: [] });
		// Not invited back into the session the end user removed them from.
		const back = await expectApiError(
			owner.mutate('requests.inviteToSession', { id, userId: colleagueUser.id }),
			'CONFLICT'
		);
		expect(back.message).toMatch(/Rosa removed this colleague/);
		// The owner goes on.
		await owner.mutate('requests.signal', { id, message: { type: 'hello', peer: 'o' } });
	});

	it('hands the session over: the colleague is assigned, the timeline says so, the owner may stay', async () => {
		const { id } = await session();
		// Not to someone who is not in the session.
		const notIn = await expectApiError(
			owner.mutate('requests.handOverSession', { id, userId: colleagueUser.id }),
			'BAD_REQUEST'
		);
		expect(notIn.message).toMatch(/not watching/);

		await owner.mutate('requests.inviteToSession', { id, userId: colleagueUser.id });
		const handed = await owner.mutate('requests.handOverSession', {
			id,
			userId: colleagueUser.id
		});
		expect(handed.assignment).toEqual({ kind: 'agent', userId: colleagueUser.id });
		expect(handed.status).toBe('connected');

		const detail = await colleague.query('requests.get', { id });
		const event = detail.events.at(-1);
		expect(event).toMatchObject({
			type: 'transferred',
			actor: ownerUser.id,
			data: {
				from: { kind: 'agent', userId: ownerUser.id },
				to: { kind: 'agent', userId: colleagueUser.id },
				note: 'Handed over during the live session'
			}
		});
		// The new owner runs the session; the former owner stayed as the colleague.
		const participants = await colleague.query('requests.sessionParticipants', { id });
		expect(participants.owner.userId).toBe(colleagueUser.id);
		expect(participants.guests.map((g: Json) => g.userId)).toEqual([ownerUser.id]);
		await owner.mutate('requests.signal', { id, message: { type: 'hello', peer: 'o' } });
		// Only the owner hands over now (the former owner no longer sees the request's record).
		await expectApiError(
			owner.mutate('requests.handOverSession', { id, userId: colleagueUser.id }),
			'NOT_FOUND'
		);
		await colleague.mutate('requests.handOverSession', {
			id,
			userId: ownerUser.id,
			stay: false
		});
		await expectApiError(
			colleague.mutate('requests.signal', { id, message: { type: 'hello', peer: 'c' } }),
			'NOT_FOUND'
		);
	});

	it('forgets invites when the session ends: a later session needs a new one', async () => {
		const { id, token } = await session();
		await owner.mutate('requests.inviteToSession', { id, userId: colleagueUser.id });
		await owner.mutate('requests.end', { id });
		await owner.mutate('requests.reopen', { id });
		await endUser.mutate('link.open', {
			token: tokenOf(await owner.query('requests.get', { id }))
		});
		const again = await owner.query('requests.get', { id });
		const newToken = tokenOf(again);
		await owner.mutate('requests.requestConnect', { id });
		await endUser.mutate('link.respond', { token: newToken, decision: 'allow' });
		await owner.mutate('requests.start', { id });
		await expectApiError(colleague.query('requests.session', { id }), 'NOT_FOUND');
		expect(await colleague.query('requests.sessionInvites')).toEqual({ invites: [] });
		void token;
	});
});
