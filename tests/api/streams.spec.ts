/**
 * Live streams are bounded (issue 17, item 4): per user, per session link and per address; in
 * lifetime (the connection is dropped and the client reconnects); and a listener that stops
 * taking changes holds a bounded queue.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChangeBus, MAX_QUEUED } from '../../src/server/bus';
import { STREAM_LIMITS } from '../../src/server/streams';
import { ApiClient } from '../support/client';
import { makeUser, startTestServer, type TestServer } from '../support/server';
import { sseEvents } from '../support/sse';

interface OpenStream {
	status: number;
	/** The first data event's name (`message` for an accepted stream), or the refusal's code. */
	first: string;
	/** Resolves with how the stream ended: `return` (the server ended it) or `dropped`. */
	ended: Promise<'return' | 'dropped'>;
	close(): void;
}

async function openStream(url: string, cookie: string | null): Promise<OpenStream> {
	const abort = new AbortController();
	const response = await fetch(url, {
		headers: { accept: 'text/event-stream', ...(cookie ? { cookie } : {}) },
		signal: abort.signal
	});
	if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
		const body = await response.json();
		return {
			status: response.status,
			first: body.error?.data?.code ?? 'unknown',
			ended: Promise.resolve('return'),
			close: () => abort.abort()
		};
	}
	const events: string[] = [];
	let firstSeen!: (name: string) => void;
	const first = new Promise<string>((resolve) => (firstSeen = resolve));
	const ended = (async (): Promise<'return' | 'dropped'> => {
		try {
			for await (const { block, event: name, data } of sseEvents(
				response.body as ReadableStream<Uint8Array>
			)) {
				if (block.trim() === '') continue;
				events.push(name);
				if (name === 'serialized-error' && data) firstSeen(JSON.parse(data).data?.code);
				else if (name !== 'connected' && name !== 'ping') firstSeen(name);
			}
			return events.includes('return') ? 'return' : 'dropped';
		} catch {
			return abort.signal.aborted ? 'return' : 'dropped';
		}
	})();
	return {
		status: response.status,
		first: await first,
		ended,
		close: () => abort.abort()
	};
}

describe('live stream limits', () => {
	let server: TestServer;
	let agent: ApiClient;
	const open: OpenStream[] = [];
	const saved = { ...STREAM_LIMITS };

	beforeAll(async () => {
		server = await startTestServer();
		const user = await makeUser(server.app, 'agent', 'edit');
		agent = new ApiClient(server.url);
		await agent.login(user.email, user.password);
	});
	afterEach(() => {
		for (const stream of open.splice(0)) stream.close();
		Object.assign(STREAM_LIMITS, saved);
	});
	afterAll(() => server.close());

	const poke = async () => {
		const stream = await openStream(`${server.url}/api/trpc/sync.poke`, agent.cookie);
		open.push(stream);
		return stream;
	};
	const watch = async (token: string) => {
		const input = encodeURIComponent(JSON.stringify({ token }));
		const stream = await openStream(`${server.url}/api/trpc/link.watch?input=${input}`, null);
		open.push(stream);
		return stream;
	};

	it(`caps one user at ${STREAM_LIMITS.perUser} open streams; a closed one frees its slot`, async () => {
		const streams = [];
		for (let i = 0; i < STREAM_LIMITS.perUser; i++) streams.push(await poke());
		expect(streams.map((s) => s.first)).toEqual(Array(STREAM_LIMITS.perUser).fill('message'));
		const refused = await poke();
		expect(refused.status).toBe(429);
		expect(refused.first).toBe('TOO_MANY_REQUESTS');
		streams[0].close();
		await expect.poll(async () => (await poke()).first).toBe('message');
	});

	it(`caps one session link at ${STREAM_LIMITS.perLink} open streams`, async () => {
		const created = await agent.mutate('requests.create', { recipientName: 'Streams' });
		const token = new URL(created.link).pathname.split('/').at(-1)!;
		const streams = [];
		for (let i = 0; i < STREAM_LIMITS.perLink; i++) streams.push(await watch(token));
		expect(streams.every((s) => s.first === 'message')).toBe(true);
		const refused = await watch(token);
		expect(refused.first).toBe('TOO_MANY_REQUESTS');
		// Another link is not affected.
		const other = await agent.mutate('requests.create', { recipientName: 'Other' });
		expect((await watch(new URL(other.link).pathname.split('/').at(-1)!)).first).toBe('message');
	});

	it('caps one address across users and links', async () => {
		STREAM_LIMITS.perAddress = 3;
		const created = await agent.mutate('requests.create', { recipientName: 'Address' });
		const token = new URL(created.link).pathname.split('/').at(-1)!;
		expect((await poke()).first).toBe('message');
		expect((await watch(token)).first).toBe('message');
		expect((await watch(token)).first).toBe('message');
		expect((await watch(token)).first).toBe('TOO_MANY_REQUESTS');
		expect((await poke()).first).toBe('TOO_MANY_REQUESTS');
	});

	it('drops a stream at the end of its lifetime without ending it, so the client reconnects', async () => {
		STREAM_LIMITS.lifetimeMs = 300;
		const created = await agent.mutate('requests.create', { recipientName: 'Lifetime' });
		const token = new URL(created.link).pathname.split('/').at(-1)!;
		const started = Date.now();
		const pokes = await poke();
		const watching = await watch(token);
		expect(await pokes.ended).toBe('dropped');
		expect(await watching.ended).toBe('dropped');
		expect(Date.now() - started).toBeGreaterThanOrEqual(250);
		// Their slots are free again.
		await expect.poll(() => server.app && poke().then((s) => s.first)).toBe('message');
	});
});

describe('a listener that stops taking changes', () => {
	it(`holds at most ${MAX_QUEUED} changes: more fold into one change for everyone`, async () => {
		const bus = new ChangeBus();
		const abort = new AbortController();
		const batches = bus.batches(abort.signal);
		const first = batches.next();
		bus.deliver([{ requestId: 'a' }]);
		expect((await first).value).toEqual([{ requestId: 'a' }]);
		// Not taken while these arrive.
		for (let i = 0; i < MAX_QUEUED * 5; i++) bus.deliver([{ requestId: `r${i}` }]);
		const next = (await batches.next()).value as unknown[];
		expect(next.length).toBeLessThanOrEqual(MAX_QUEUED);
		expect(next[0]).toEqual({ everyone: true });
		abort.abort();
		await batches.return(undefined);
	});
});
