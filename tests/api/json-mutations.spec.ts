/**
 * A mutation called alone with a JSON body is answered by the Node front itself
 * (trpc/node-handler.ts, `answerJsonMutation`), without tRPC's fetch `Response`. Its answers —
 * status, content type, `Vary` and body, for data and for each kind of refusal — must be those
 * tRPC's own fetch adapter gives for the same call, on the same router and context.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { Beckon } from '../../src/server/app';
import { appRouter } from '../../src/server/trpc/_app';
import { createContext } from '../../src/server/trpc/context';
import { ApiClient } from '../support/client';
import { makeUser, startTestServer, type TestServer } from '../support/server';

interface Call {
	path: string;
	body?: string;
	method?: string;
	contentType?: string;
	signedIn?: boolean;
}

/** The reference: tRPC's own fetch adapter, with the context the server makes. */
function handleTrpc(app: Beckon, req: Request, clientAddress: string): Promise<Response> {
	return fetchRequestHandler({
		endpoint: '/api/trpc',
		req,
		router: appRouter,
		createContext: ({ resHeaders }) =>
			createContext(
				app,
				{
					authorization: req.headers.get('authorization'),
					cookie: req.headers.get('cookie'),
					origin: req.headers.get('origin'),
					ownOrigin: new URL(req.url).origin
				},
				resHeaders,
				clientAddress
			)
	});
}

describe('a JSON mutation answered by the Node front', () => {
	let server: TestServer;
	let cookie: string;
	let viewerCookie: string;

	beforeAll(async () => {
		server = await startTestServer();
		const agent = await makeUser(server.app, 'agent', 'edit');
		const viewer = await makeUser(server.app, 'agent', 'view');
		const api = new ApiClient(server.url);
		await api.login(agent.email, agent.password);
		cookie = api.cookie!;
		const viewing = new ApiClient(server.url);
		await viewing.login(viewer.email, viewer.password);
		viewerCookie = viewing.cookie!;
	});
	afterAll(() => server?.close());

	function init(call: Call, as: string | null): RequestInit {
		const headers: Record<string, string> = {
			'content-type': call.contentType ?? 'application/json'
		};
		if (as) headers.cookie = as;
		return { method: call.method ?? 'POST', headers, body: call.body };
	}

	/** The answer over HTTP (the Node front) and tRPC's fetch adapter's, for the same call. */
	async function both(call: Call, as: string | null = cookie) {
		const url = `${server.url}/api/trpc/${call.path}`;
		const node = await fetch(url, init(call, as));
		const trpc = await handleTrpc(server.app, new Request(url, init(call, as)), '127.0.0.1');
		const facts = async (response: Response) => ({
			status: response.status,
			contentType: response.headers.get('content-type'),
			vary: response.headers.get('vary'),
			body: await response.json()
		});
		return { node: await facts(node), trpc: await facts(trpc) };
	}

	const clientId = randomUUID();
	const cases: [string, Call, 'agent' | 'viewer' | 'nobody'][] = [
		[
			'data',
			{ path: 'sync.push', body: JSON.stringify({ clientId, protocolVersion: 1, mutations: [] }) },
			'agent'
		],
		[
			'bad input',
			{ path: 'requests.create', body: JSON.stringify({ recipientName: '' }) },
			'agent'
		],
		['no input', { path: 'requests.create', body: '' }, 'agent'],
		['not signed in', { path: 'sync.push', body: JSON.stringify({ clientId }) }, 'nobody'],
		[
			'forbidden',
			{ path: 'requests.create', body: JSON.stringify({ recipientName: 'X' }) },
			'viewer'
		],
		['not found', { path: 'requests.close', body: JSON.stringify({ id: randomUUID() }) }, 'agent'],
		[
			'a refusal of the service',
			{ path: 'sync.push', body: JSON.stringify({ clientId, protocolVersion: 99, mutations: [] }) },
			'agent'
		],
		['not JSON', { path: 'requests.create', body: '{"recipientName":' }, 'agent'],
		['no such procedure', { path: 'requests.nothing', body: '{}' }, 'agent'],
		['a query by POST', { path: 'sync.pull', body: JSON.stringify({ clientId }) }, 'agent']
	];

	it.each(cases)('answers %s as tRPC does', async (_name, call, who) => {
		const as = who === 'agent' ? cookie : who === 'viewer' ? viewerCookie : null;
		const { node, trpc } = await both(call, as);
		expect(node).toEqual(trpc);
	});
});
