import 'fake-indexeddb/auto';
/**
 * The SyncEngine itself against a real server, in node: each device is a BeckonDB on
 * fake-indexeddb and an engine whose calls go over HTTP to the test server (tRPC's batch link,
 * every request counted) and whose poke stream is the server's real `sync.poke` stream, read
 * with fetch (node has no EventSource). What it proves: a poke that carries its changes is
 * applied with no pull, and a device that missed one pulls and catches up.
 */
import { randomUUID } from 'node:crypto';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDuration } from '../domain/rules';
import type { AppRouter } from '../../server/trpc/_app';
import { ApiClient } from '../../../tests/support/client';
/* eslint-disable no-restricted-imports -- the engine needs a real server to talk to */
import { makeUser, startTestServer, type TestServer } from '../../../tests/support/server';
import { createQueue } from '../../server/services/queues';
/* eslint-enable no-restricted-imports */
import type { Api } from './api';
import { BeckonDB } from './db';
import type { SignedInUser } from './session';
import { SyncEngine } from './sync-engine.svelte';

// What the engine touches of a browser: events on window and document, and navigator.onLine
// (no Web Locks: the engine then leads at once).
const browser = globalThis as Record<string, unknown>;
browser.window ??= new EventTarget();
browser.document ??= Object.assign(new EventTarget(), { visibilityState: 'visible' });
if (!('navigator' in globalThis) || !globalThis.navigator) browser.navigator = { onLine: true };
else Object.defineProperty(globalThis.navigator, 'onLine', { value: true, configurable: true });

type User = Awaited<ReturnType<typeof makeUser>>;

/** One device: its engine, database, and the calls it made. */
interface Device {
	engine: SyncEngine;
	db: BeckonDB;
	/** `sync.pull` requests sent so far. */
	pulls: () => number;
	/** Pokes the stream delivered to the engine so far (the `connected` one included). */
	pokes: () => number;
	/** The next poke with changes is lost on the way, as when a stream drops a message. */
	loseNextPoke: () => void;
}

/** `sync.poke` read from the server's SSE stream, handed to the engine as tRPC's client would. */
function pokeStream(
	url: string,
	cookie: string,
	onPoke: (poke: Record<string, unknown>) => boolean
) {
	return {
		subscribe(
			_input: undefined,
			handlers: { onData: (poke: unknown) => void; onError: () => void; onComplete: () => void }
		) {
			const controller = new AbortController();
			void (async () => {
				try {
					const response = await fetch(`${url}/api/trpc/sync.poke`, {
						headers: { cookie, accept: 'text/event-stream' },
						signal: controller.signal
					});
					const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
					let buffer = '';
					for (;;) {
						const { value, done } = await reader.read();
						if (done) return handlers.onComplete();
						buffer += value;
						let end: number;
						while ((end = buffer.indexOf('\n\n')) >= 0) {
							const block = buffer.slice(0, end);
							buffer = buffer.slice(end + 2);
							const lines = block.split('\n');
							// tRPC's own events (connected, ping, return) are not pokes.
							if (lines.some((l) => l.startsWith('event:'))) continue;
							const data = lines.find((l) => l.startsWith('data:'));
							if (!data) continue;
							const poke = JSON.parse(data.slice(5)) as Record<string, unknown>;
							if (onPoke(poke)) handlers.onData(poke);
						}
					}
				} catch {
					if (!controller.signal.aborted) handlers.onError();
				}
			})();
			return { unsubscribe: () => controller.abort() };
		}
	};
}

describe('SyncEngine with pokes that carry their changes', () => {
	let server: TestServer;
	let alice: User;
	let bob: User;
	let queueId: string;
	const devices: Device[] = [];

	beforeAll(async () => {
		server = await startTestServer();
		[alice, bob] = await Promise.all([
			makeUser(server.app, 'agent', 'edit'),
			makeUser(server.app, 'agent', 'edit')
		]);
		queueId = createQueue(server.app, { name: 'Tier 1', memberIds: [alice.id, bob.id] }).id;
	});
	afterAll(async () => {
		for (const device of devices) {
			device.engine.stop();
			await device.engine.settled();
			await device.db.delete();
		}
		await server?.close();
	});

	/** Signs `user` in on a new device and starts its engine, as the app does. */
	async function startDevice(user: User): Promise<Device> {
		const login = new ApiClient(server.url);
		await login.login(user.email, user.password);
		const cookie = login.cookie!;
		let pulls = 0;
		let pokes = 0;
		let lose = false;
		const url = `${server.url}/api/trpc`;
		const client = createTRPCClient<AppRouter>({
			links: [
				httpBatchLink({
					url,
					headers: { cookie },
					fetch: (input, init) => {
						if (String(input).includes('sync.pull')) pulls += 1;
						return fetch(input, init);
					}
				})
			]
		});
		const poke = pokeStream(server.url, cookie, (message) => {
			if (lose && message.from !== undefined) {
				lose = false;
				return false;
			}
			pokes += 1;
			return true;
		});
		// The batch link for calls, the SSE reader for the one subscription.
		const api = new Proxy(client, {
			get: (target, key) =>
				key === 'sync'
					? new Proxy(target.sync, {
							get: (sync, name) => (name === 'poke' ? poke : Reflect.get(sync, name))
						})
					: Reflect.get(target, key)
		}) as unknown as Api;
		const [{ user: me }, settings] = await Promise.all([
			login.query('auth.me'),
			login.query('settings.get')
		]);
		const signedIn: SignedInUser = {
			...me,
			organizationName: settings.organizationName,
			defaultExpiryMs: parseDuration(settings.defaultExpiry)!,
			defaultLanguage: settings.defaultLanguage
		};
		const db = new BeckonDB('engine-' + randomUUID());
		const engine = new SyncEngine(db, api, signedIn, () => undefined);
		const device: Device = {
			engine,
			db,
			pulls: () => pulls,
			pokes: () => pokes,
			loseNextPoke: () => (lose = true)
		};
		devices.push(device);
		await engine.start();
		// The app's first screen is up (AgentApp.afterFirstScreen): the poke stream opens.
		engine.afterFirstScreen();
		// The first sync done and the stream open.
		await until(async () => pokes >= 1 && (await db.getMeta('cursor')) !== undefined);
		await engine.settled();
		return device;
	}

	async function until(check: () => Promise<boolean> | boolean, timeoutMs = 5_000) {
		const deadline = Date.now() + timeoutMs;
		while (!(await check())) {
			if (Date.now() > deadline) throw new Error('timed out');
			await new Promise((resolve) => setTimeout(resolve, 10));
		}
	}

	/** A request made on `device` in the shared queue, as the app makes it. */
	const create = (device: Device, id: string, recipientName: string) =>
		device.engine.mutate({
			name: 'createRequest',
			args: { id, recipientName, assignment: { kind: 'queue', queueId } }
		});

	const shows = (device: Device, id: string) => async () =>
		(await device.db.requests.get(id)) !== undefined;

	it("shows the first device's new request on the second with no pull, and pulls after a missed poke", async () => {
		const a = await startDevice(alice);
		const b = await startDevice(bob);
		const pullsAfterStart = b.pulls();

		const first = randomUUID();
		await create(a, first, 'Ada');
		await until(shows(b, first));
		expect(await b.db.requests.get(first)).toMatchObject({
			recipientName: 'Ada',
			pending: 0,
			unsynced: false,
			link: expect.stringContaining('/s/')
		});
		await b.engine.settled();
		// Seen from the poke alone: no pull since the first sync.
		expect(b.pulls()).toBe(pullsAfterStart);

		// A poke lost on the way: the next one does not follow on from B's cursor, so B pulls.
		b.loseNextPoke();
		const missed = randomUUID();
		await create(a, missed, 'Missed');
		await until(async () => (await a.db.outbox.count()) === 0);
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(await b.db.requests.get(missed)).toBeUndefined();
		expect(b.pulls()).toBe(pullsAfterStart);

		const next = randomUUID();
		await create(a, next, 'Next');
		await until(shows(b, next));
		await b.engine.settled();
		expect(b.pulls()).toBeGreaterThan(pullsAfterStart);
		expect(await b.db.requests.get(missed)).toMatchObject({ recipientName: 'Missed' });
		// Converged: B's cursor is where a fresh pull ends, and B holds what it returns.
		const bobApi = new ApiClient(server.url);
		await bobApi.login(bob.email, bob.password);
		const page = await bobApi.query('sync.pull', { clientId: randomUUID() });
		expect(await b.db.getMeta('cursor')).toBe(page.cursor);
		const ids = (rows: { id: string }[]) => rows.map((r) => r.id).sort();
		expect(ids(await b.db.requests.toArray())).toEqual(ids(page.changes));

		// And the pokes after it are applied without a pull again.
		const pullsNow = b.pulls();
		const after = randomUUID();
		await create(a, after, 'After');
		await until(shows(b, after));
		await b.engine.settled();
		expect(b.pulls()).toBe(pullsNow);
	});
});
