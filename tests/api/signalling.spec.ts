/**
 * Live-session signalling over the real HTTP API: who may relay (the link holder after consent;
 * the assigned agent or an admin), the buffer that late and reconnecting subscribers read, the
 * 64 KB limit, rate limits, link.end and the ICE server configuration.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/server/config';
import { BUFFER_MS, BUFFER_SIZE, SIGNAL_RATE_LIMIT } from '../../src/server/services/signalling';
import { ApiClient, ApiError, expectApiError } from '../support/client';
import { makeUser, startTestServer, type TestServer } from '../support/server';
import { sseEvents, subscribe } from '../support/sse';

type Json = Record<string, any>;

const tokenOf = (r: { link?: string | null }) => new URL(r.link as string).pathname.split('/')[2];
const hello = (peer: string) => ({ type: 'hello', peer });

/** One SSE subscription, read event by event. */
class Subscription {
	readonly #queue: { id?: string; data: Json }[] = [];
	readonly #abort = new AbortController();
	#wake: (() => void) | null = null;
	/** A refusal arrives as an event after `connected`, since the stream is already open. */
	error: ApiError | null = null;
	ended = false;

	static async open(client: ApiClient, path: string, input: unknown): Promise<Subscription> {
		const sub = new Subscription();
		void sub.#read(await subscribe(client, path, input, sub.#abort.signal));
		return sub;
	}

	async #read(body: ReadableStream<Uint8Array>) {
		try {
			for await (const { event, data, id } of sseEvents(body)) {
				if (event === 'serialized-error' && data) this.error = new ApiError(400, JSON.parse(data));
				if (event === 'message' && data) this.#queue.push({ id, data: JSON.parse(data) });
				if (event === 'return' || event === 'serialized-error') this.ended = true;
				this.#wake?.();
			}
		} catch {
			// aborted by close()
		} finally {
			this.ended = true;
			this.#wake?.();
		}
	}

	async #until(done: () => boolean, timeoutMs: number) {
		const deadline = Date.now() + timeoutMs;
		while (!done() && Date.now() < deadline) {
			await new Promise<void>((resolve) => {
				this.#wake = resolve;
				setTimeout(resolve, Math.min(50, deadline - Date.now()));
			});
		}
	}

	/** The next event; throws on a refusal, the end of the stream or after `timeoutMs`. */
	async next(timeoutMs = 3000): Promise<{ id?: string; data: Json }> {
		await this.#until(() => this.#queue.length > 0 || this.ended, timeoutMs);
		const event = this.#queue.shift();
		if (event) return event;
		if (this.error) throw this.error;
		throw new Error(this.ended ? 'stream ended' : 'no event in time');
	}

	/** Whether nothing arrives within `ms`. */
	async quiet(ms = 300) {
		await new Promise((r) => setTimeout(r, ms));
		return this.#queue.length === 0;
	}

	async waitEnd(timeoutMs = 3000) {
		await this.#until(() => this.ended, timeoutMs);
		return this.ended && this.error === null;
	}

	/** The refusal that ended the stream (waits for it). */
	async refusal(timeoutMs = 3000): Promise<ApiError> {
		await this.#until(() => this.ended, timeoutMs);
		if (!this.error) throw new Error('expected the stream to be refused');
		return this.error;
	}

	close() {
		this.#abort.abort();
	}
}

/** Expects a subscription to be refused with `code`. */
async function expectStreamRefused(client: ApiClient, path: string, input: unknown, code: string) {
	const sub = await Subscription.open(client, path, input);
	try {
		return expectApiError(Promise.reject(await sub.refusal()), code);
	} finally {
		sub.close();
	}
}

describe('session signalling', () => {
	let server: TestServer;
	let now: number;
	let admin: ApiClient;
	let agent: ApiClient;
	let agentUser: { id: string };
	let endUser: ApiClient;
	const subscriptions: Subscription[] = [];

	async function subscribe(client: ApiClient, path: string, input: unknown) {
		const sub = await Subscription.open(client, path, input);
		subscriptions.push(sub);
		return sub;
	}

	/** A request assigned to `agent`, taken to `state` through the public procedures. */
	async function request(state: 'waiting' | 'ready' | 'connected' = 'ready') {
		const r = await admin.mutate('requests.create', {
			recipientName: 'Rosa',
			assignment: { kind: 'agent', userId: agentUser.id }
		});
		const token = tokenOf(r);
		await endUser.mutate('link.open', { token });
		if (state !== 'waiting') {
			await agent.mutate('requests.requestConnect', { id: r.id });
			await endUser.mutate('link.respond', { token, decision: 'allow' });
		}
		if (state === 'connected') await agent.mutate('requests.start', { id: r.id });
		return { id: r.id as string, token };
	}

	beforeEach(async () => {
		now = Date.now();
		server = await startTestServer({
			clock: () => now,
			env: { BECKON_ICE_SERVERS: '[{"urls":"stun:stun.example.com:3478"}]' }
		});
		const a = await makeUser(server.app, 'admin', 'edit');
		const g = await makeUser(server.app, 'agent', 'edit');
		agentUser = g;
		admin = new ApiClient(server.url);
		await admin.login(a.email, a.password);
		agent = new ApiClient(server.url);
		await agent.login(g.email, g.password);
		endUser = new ApiClient(server.url);
	});
	afterEach(async () => {
		for (const sub of subscriptions.splice(0)) sub.close();
		await server.close();
	});

	it('relays both ways, and a late subscriber reads what was sent before it came', async () => {
		const { id, token } = await request('ready');
		await endUser.mutate('link.signal', { token, message: hello('user-1') });

		const agentStream = await subscribe(agent, 'requests.signals', { id });
		const early = await agentStream.next();
		expect(early.data).toMatchObject({ from: 'end_user', message: hello('user-1') });
		expect(early.data.at).toBe(new Date(now).toISOString());
		expect(early.id).toMatch(/^[0-9a-f]+\.\d+$/);

		const userStream = await subscribe(endUser, 'link.signals', { token });
		const answer = { type: 'answer', peer: 'agent-1', attempt: 'a1', sdp: 'v=0\r\n' };
		await agent.mutate('requests.signal', { id, message: answer });
		expect((await userStream.next()).data).toMatchObject({ from: 'agent', message: answer });

		// Nobody hears their own messages.
		expect(await agentStream.quiet()).toBe(true);
	});

	it('resumes after the last event id it was given, and ignores ids of another server', async () => {
		const { id, token } = await request('ready');
		for (const n of [1, 2, 3]) {
			await endUser.mutate('link.signal', { token, message: hello(`u${n}`) });
		}
		const first = await subscribe(agent, 'requests.signals', { id });
		const ids = [];
		for (let i = 0; i < 3; i++) ids.push((await first.next()).id);

		const resumed = await subscribe(agent, 'requests.signals', { id, lastEventId: ids[0] });
		expect((await resumed.next()).data.message.peer).toBe('u2');
		expect((await resumed.next()).data.message.peer).toBe('u3');
		expect(await resumed.quiet()).toBe(true);

		const foreign = await subscribe(agent, 'requests.signals', { id, lastEventId: 'abcd.2' });
		expect((await foreign.next()).data.message.peer).toBe('u1');
	});

	it('keeps only recent messages for late subscribers', async () => {
		const { id, token } = await request('ready');
		await endUser.mutate('link.signal', { token, message: hello('old') });
		now += BUFFER_MS + 1;
		await endUser.mutate('link.signal', { token, message: hello('new') });
		const stream = await subscribe(agent, 'requests.signals', { id });
		expect((await stream.next()).data.message.peer).toBe('new');
		expect(await stream.quiet()).toBe(true);

		for (let n = 0; n < BUFFER_SIZE + 5; n++) {
			await agent.mutate('requests.signal', { id, message: hello(`a${n}`) });
		}
		const late = await subscribe(endUser, 'link.signals', { token });
		expect((await late.next()).data.message.peer).toBe('a5');
	});

	it('refuses the end user until they have allowed a session, and dead links as dead', async () => {
		const waiting = await request('waiting');
		const error = await expectApiError(
			endUser.mutate('link.signal', { token: waiting.token, message: hello('u') }),
			'CONFLICT'
		);
		expect(error.message).toMatch(/waiting/);
		await expectApiError(endUser.query('link.session', { token: waiting.token }), 'CONFLICT');
		await expectStreamRefused(endUser, 'link.signals', { token: waiting.token }, 'CONFLICT');

		const ready = await request('ready');
		await admin.mutate('requests.regenerateLink', { id: ready.id });
		await expectApiError(
			endUser.mutate('link.signal', { token: ready.token, message: hello('u') }),
			'NOT_FOUND'
		);
		await expectApiError(
			endUser.mutate('link.signal', { token: 'x'.repeat(54), message: hello('u') }),
			'NOT_FOUND'
		);
	});

	it('lets only the assigned agent or an admin in, with edit permission, while ready or connected', async () => {
		const { id } = await request('connected');
		const message = hello('someone');
		await agent.mutate('requests.signal', { id, message });
		await admin.mutate('requests.signal', { id, message });
		expect(await agent.query('requests.session', { id })).toEqual({
			iceServers: [{ urls: 'stun:stun.example.com:3478' }]
		});

		const other = await makeUser(server.app, 'agent', 'edit');
		const otherClient = new ApiClient(server.url);
		await otherClient.login(other.email, other.password);
		// Assigned to someone else: not in this agent's view at all.
		await expectApiError(otherClient.mutate('requests.signal', { id, message }), 'NOT_FOUND');

		// Visible (unassigned) but not assigned to them: still refused.
		const open = await admin.mutate('requests.create', {
			recipientName: 'Unassigned',
			assignment: { kind: 'unassigned' }
		});
		await endUser.mutate('link.open', { token: tokenOf(open) });
		await admin.mutate('requests.requestConnect', { id: open.id });
		await endUser.mutate('link.respond', { token: tokenOf(open), decision: 'allow' });
		await expectApiError(
			otherClient.mutate('requests.signal', { id: open.id, message }),
			'FORBIDDEN'
		);
		await expectApiError(otherClient.query('requests.session', { id: open.id }), 'FORBIDDEN');
		await expectStreamRefused(otherClient, 'requests.signals', { id: open.id }, 'FORBIDDEN');

		const viewer = await makeUser(server.app, 'agent', 'view');
		const viewerClient = new ApiClient(server.url);
		await viewerClient.login(viewer.email, viewer.password);
		await expectApiError(
			viewerClient.mutate('requests.signal', { id: open.id, message }),
			'FORBIDDEN'
		);
		await expectApiError(
			new ApiClient(server.url).mutate('requests.signal', { id, message }),
			'UNAUTHORIZED'
		);

		const waiting = await request('waiting');
		await expectApiError(agent.mutate('requests.signal', { id: waiting.id, message }), 'CONFLICT');
	});

	it('refuses messages over 64 KB and messages that are not signalling', async () => {
		const { id, token } = await request('ready');
		const huge = { type: 'offer', peer: 'u', attempt: 'a', sdp: 'x'.repeat(65 * 1024) };
		const error = await expectApiError(
			endUser.mutate('link.signal', { token, message: huge }),
			'BAD_REQUEST'
		);
		expect(error.body.message).toBe('message: is larger than 64 KB');
		await expectApiError(agent.mutate('requests.signal', { id, message: huge }), 'BAD_REQUEST');
		// Just under the limit is fine.
		const big = { ...huge, sdp: 'x'.repeat(60 * 1024) };
		await endUser.mutate('link.signal', { token, message: big });

		const odd = await expectApiError(
			endUser.mutate('link.signal', { token, message: { type: 'shout', peer: 'u' } }),
			'BAD_REQUEST'
		);
		expect(odd.body.message).toMatch(/^message\.type: /);
		await expectApiError(
			agent.mutate('requests.signal', { id, message: { type: 'hello' } }),
			'BAD_REQUEST'
		);
	});

	it('rate-limits signalling per end-user address and per agent', async () => {
		const { id, token } = await request('ready');
		for (let n = 0; n < SIGNAL_RATE_LIMIT; n++) {
			await endUser.mutate('link.signal', { token, message: hello('u') });
		}
		await expectApiError(
			endUser.mutate('link.signal', { token, message: hello('u') }),
			'TOO_MANY_REQUESTS'
		);
		// The page's other link calls have their own budget.
		await endUser.query('link.get', { token });

		for (let n = 0; n < SIGNAL_RATE_LIMIT; n++) {
			await agent.mutate('requests.signal', { id, message: hello('a') });
		}
		await expectApiError(
			agent.mutate('requests.signal', { id, message: hello('a') }),
			'TOO_MANY_REQUESTS'
		);
		await admin.mutate('requests.signal', { id, message: hello('admin') });

		now += 60_001;
		await endUser.mutate('link.signal', { token, message: hello('u') });
		await agent.mutate('requests.signal', { id, message: hello('a') });
	});

	it('ends the streams when the session ends, and forgets its messages', async () => {
		const { id, token } = await request('connected');
		await agent.mutate('requests.signal', { id, message: hello('agent') });
		const userStream = await subscribe(endUser, 'link.signals', { token });
		const agentStream = await subscribe(agent, 'requests.signals', { id });
		await userStream.next();

		const ended = await endUser.mutate('link.end', { token });
		expect(ended.status).toBe('closed');
		expect(await userStream.waitEnd()).toBe(true);
		expect(await agentStream.waitEnd()).toBe(true);

		const server_ = await admin.query('requests.get', { id });
		expect(server_).toMatchObject({ status: 'closed', closedReason: 'completed' });
		expect(server_.events.at(-1)).toMatchObject({
			type: 'session_ended',
			actor: 'end_user',
			data: { by: 'end_user' }
		});

		// Reopened and allowed again: nothing of the last session is left over.
		const reopened = await admin.mutate('requests.reopen', { id });
		const newToken = tokenOf(reopened);
		await endUser.mutate('link.open', { token: newToken });
		await agent.mutate('requests.requestConnect', { id });
		await endUser.mutate('link.respond', { token: newToken, decision: 'allow' });
		const fresh = await subscribe(endUser, 'link.signals', { token: newToken });
		expect(await fresh.quiet()).toBe(true);
	});

	it('ends the end user stream when they withdraw consent or the link is replaced', async () => {
		const first = await request('ready');
		const withdrawn = await subscribe(endUser, 'link.signals', { token: first.token });
		await endUser.mutate('link.respond', { token: first.token, decision: 'deny' });
		expect(await withdrawn.waitEnd()).toBe(true);

		const second = await request('ready');
		const replaced = await subscribe(endUser, 'link.signals', { token: second.token });
		const agentStream = await subscribe(agent, 'requests.signals', { id: second.id });
		await admin.mutate('requests.regenerateLink', { id: second.id });
		expect(await replaced.waitEnd()).toBe(true);
		// The agent's side is still a valid session.
		expect(agentStream.ended).toBe(false);
	});

	it('ends the agent stream when the request is reassigned', async () => {
		const { id } = await request('connected');
		const stream = await subscribe(agent, 'requests.signals', { id });
		await admin.mutate('requests.assign', { id, assignment: { kind: 'me' } });
		expect(await stream.waitEnd()).toBe(true);
	});

	it('ends the agent stream at once when the agent is deactivated or loses edit permission', async () => {
		const { id } = await request('connected');
		const downgraded = await subscribe(agent, 'requests.signals', { id });
		expect(await downgraded.quiet(100)).toBe(true);
		await admin.mutate('users.update', { id: agentUser.id, permission: 'view' });
		// No change to the request: the user's change alone ends the stream.
		expect(await downgraded.waitEnd()).toBe(true);

		// A downgrade leaves the end user's side of the session as it is (an admin may end it).
		expect((await admin.query('requests.get', { id })).status).toBe('connected');

		await admin.mutate('users.update', { id: agentUser.id, permission: 'edit' });
		const again = await subscribe(agent, 'requests.signals', { id });
		expect(await again.quiet(100)).toBe(true);
		await admin.mutate('users.update', { id: agentUser.id, active: false });
		expect(await again.waitEnd()).toBe(true);
		// Deactivation ends the session itself (issue 21): the request waits for the next agent.
		expect((await admin.query('requests.get', { id })).status).toBe('waiting');
	});

	it('link.end works only on a session in progress', async () => {
		const { token } = await request('ready');
		const error = await expectApiError(endUser.mutate('link.end', { token }), 'CONFLICT');
		expect(error.message).toMatch(/ready/);
	});
});

describe('BECKON_ICE_SERVERS', () => {
	const base = { BECKON_DATA_DIR: '/tmp/beckon-config-test' };

	it('defaults to none and accepts RTCIceServer arrays', () => {
		expect(loadConfig(base).iceServers).toEqual([]);
		const servers = [
			{ urls: ['stun:stun.example.com:3478', 'stuns:stun.example.com'] },
			{ urls: 'turn:turn.example.com:3478?transport=udp', username: 'u', credential: 'secret' }
		];
		expect(loadConfig({ ...base, BECKON_ICE_SERVERS: JSON.stringify(servers) }).iceServers).toEqual(
			servers
		);
	});

	it.each([
		['not json', 'must be a JSON array'],
		['{"urls":"stun:x"}', 'must be a JSON array'],
		['[{"urls":"http://x"}]', 'stun:'],
		['[{"url":"stun:x"}]', 'urls'],
		['[{"urls":"turn:turn.example.com","username":"u"}]', 'credential']
	])('refuses %s with a line naming the variable', (value, hint) => {
		let error: unknown;
		try {
			loadConfig({ ...base, BECKON_ICE_SERVERS: value });
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(ConfigError);
		const message = (error as Error).message;
		expect(message).toMatch(/^Invalid configuration: BECKON_ICE_SERVERS /);
		expect(message).toContain(hint);
		// It may hold TURN credentials: never echoed.
		expect(message).not.toContain(value);
	});
});
