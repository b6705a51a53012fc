/**
 * The agent app's tRPC client loaded on its first call (src/lib/client/lazy-api.ts): nothing is
 * loaded before a call, calls and refusals answer as the client's own, a failed load fails the
 * call and the next call loads again; subscriptions hand back their handle at once. With
 * `httpCalls` (the browser's), queries and mutations are plain fetch calls and answer the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type Api } from '../../src/lib/client/api';
import { httpCalls, lazyApi } from '../../src/lib/client/lazy-api';
import { refusalOf } from '../../src/lib/client/refusal';
import { ApiClient } from '../support/client';
import { makeUser, startTestServer, type TestServer } from '../support/server';

describe('the tRPC client loaded on first use', () => {
	let server: TestServer;
	let cookie: string;
	let email: string;
	beforeAll(async () => {
		server = await startTestServer();
		const user = await makeUser(server.app, 'agent', 'edit');
		email = user.email;
		const raw = new ApiClient(server.url);
		await raw.login(user.email, user.password);
		cookie = raw.cookie ?? '';
	});
	afterAll(() => server.close());

	it('loads the client at the first call, once, and answers as it does', async () => {
		let loads = 0;
		const api = lazyApi(async () => {
			loads += 1;
			return createApi(server.url, { cookie });
		});
		const settings = api.settings;
		expect(loads).toBe(0);
		const [{ user }, answer] = await Promise.all([api.auth.me.query(), settings.get.query()]);
		expect(user.email).toBe(email);
		expect(answer).toEqual(await createApi(server.url, { cookie }).settings.get.query());
		expect((await api.auth.me.query()).user.email).toBe(email);
		expect(loads).toBe(1);
	});

	it('hands over the server’s refusals with their reason and field', async () => {
		const anonymous = lazyApi(async () => createApi(server.url));
		const refused = await anonymous.auth.me.query().catch((error: unknown) => error);
		expect(refusalOf(refused)).toMatchObject({ reason: 'unauthenticated' });
		const agent = lazyApi(async () => createApi(server.url, { cookie }));
		const invalid = await agent.requests.create
			.mutate({ recipientName: '  ' })
			.catch((error: unknown) => error);
		expect(refusalOf(invalid)).toMatchObject({ reason: 'invalid', field: 'recipientName' });
	});

	it('fails a call whose load failed, and loads again for the next', async () => {
		let loads = 0;
		const api = lazyApi(async () => {
			loads += 1;
			if (loads === 1) throw new TypeError('Failed to fetch dynamically imported module');
			return createApi(server.url, { cookie });
		});
		const failed = await api.auth.me.query().catch((error: unknown) => error);
		expect(failed).toBeInstanceOf(TypeError);
		// Not a refusal: the app treats it as no network.
		expect(refusalOf(failed)).toBeNull();
		expect((await api.auth.me.query()).user.email).toBe(email);
		expect(loads).toBe(2);
	});

	it('answers a subscription with its handle at once, and tells a failed load to onError', async () => {
		let reject: (error: Error) => void = () => undefined;
		const api = lazyApi(() => new Promise<Api>((_, fail) => (reject = fail)));
		const errors: unknown[] = [];
		const subscription = api.sync.poke.subscribe(undefined, {
			onData: () => undefined,
			onError: (error) => errors.push(error)
		});
		expect(typeof subscription.unsubscribe).toBe('function');
		reject(new Error('offline'));
		await expect.poll(() => errors.length).toBe(1);
		expect((errors[0] as Error).message).toBe('offline');

		// Ended before the client arrived: nothing is subscribed (node has no EventSource, so a
		// subscription made here would fail into onError), nothing is told.
		let resolve: (api: Api) => void = () => undefined;
		const later = lazyApi(() => new Promise<Api>((done) => (resolve = done)));
		const ended: unknown[] = [];
		later.sync.poke.subscribe(undefined, { onError: (e) => ended.push(e) }).unsubscribe();
		resolve(createApi(server.url, { cookie }));
		await new Promise((done) => setTimeout(done, 50));
		expect(ended).toEqual([]);
	});

	it('makes queries and mutations with fetch, answering and refusing as the client does', async () => {
		let loads = 0;
		const load = async () => {
			loads += 1;
			return createApi(server.url, { cookie });
		};
		const agent = lazyApi(load, httpCalls(server.url, { cookie }));
		const client = createApi(server.url, { cookie });
		const [{ user }, settings] = await Promise.all([
			agent.auth.me.query(),
			agent.settings.get.query()
		]);
		expect(user.email).toBe(email);
		expect(settings).toEqual(await client.settings.get.query());

		// A mutation, then a query with input: the same request as the client reads it.
		const created = await agent.requests.create.mutate({ recipientName: 'Fetched Fay' });
		expect(await agent.requests.get.query({ id: created.id })).toEqual(
			await client.requests.get.query({ id: created.id })
		);

		// Refusals carry their reason and field, as the client's errors do.
		const invalid = await agent.requests.create
			.mutate({ recipientName: '  ' })
			.catch((error: unknown) => error);
		expect(refusalOf(invalid)).toMatchObject({ reason: 'invalid', field: 'recipientName' });
		const anonymous = lazyApi(load, httpCalls(server.url));
		const refused = await anonymous.auth.me.query().catch((error: unknown) => error);
		expect(refusalOf(refused)).toMatchObject({ reason: 'unauthenticated' });
		const byClient = await createApi(server.url)
			.auth.me.query()
			.catch((error: unknown) => error);
		expect((refused as Error).message).toBe((byClient as Error).message);
		// No server: no refusal (the app reads it as no network).
		const nowhere = lazyApi(load, httpCalls('http://127.0.0.1:9'));
		expect(refusalOf(await nowhere.auth.me.query().catch((error: unknown) => error))).toBeNull();
		expect(loads).toBe(0);
	});
});
