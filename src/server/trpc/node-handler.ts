/**
 * Serves `/api/trpc` straight from Node's HTTP server, before SvelteKit (http/server.ts). Through
 * SvelteKit a create cost ≈ 0.75 ms of CPU, ≈ 0.25 ms of it SQLite; SvelteKit's request handling,
 * the hook, and fetch `Request`/`Response` objects with their streams and abort signals made up
 * most of the rest. What the hook, the route and SvelteKit did for API calls happens here: the
 * request id and one log line per request (the procedure name, never the query or the input),
 * the CSRF check for form-like bodies, the body limit, the client address and origin as
 * adapter-node reads them. The security headers are set by the server for every response.
 * A single JSON mutation's data is written here without tRPC's `Response` (answerJsonMutation).
 */
import {
	callTRPCProcedure,
	getTRPCErrorFromUnknown,
	transformTRPCResponse,
	TRPCError,
	type AnyTRPCProcedure
} from '@trpc/server';
import { resolveResponse } from '@trpc/server/http';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiAnswer, ApiCall, Beckon } from '../app';
import { GONE, readBody, TOO_LARGE } from '../http/body';
import { logWhenDone } from '../http/export';
import { isCrossSiteForm, mediaType, refuseCrossSiteForm } from '../http/csrf';
import { clientAddressOf, ownOrigin, type ProxySettings } from '../http/proxy';
import { MAX_BATCH_SIZE } from '../limits';
import { dropAfterLifetime, drainOrDrop } from '../streams';
import { log } from '../log';
import { appRouter } from './_app';
import { canRead } from '../../lib/domain/rules';
import { createContext, resolveContext, type RequestFacts } from './context';
import { writePokeStream } from './poke-stream';
import { unavailableError } from '../db-thread/messages';
import { logProcedureFailure, MAX_BODY_BYTES, TRPC_ENDPOINT } from './handler';

/** The SvelteKit route id these requests were logged under, kept for whoever reads the logs. */
export const TRPC_ROUTE_ID = '/api/trpc/[...trpc]';

/** Whether a request target (path and query) is an API call. */
export function isTrpcTarget(target: string): boolean {
	if (!target.startsWith(TRPC_ENDPOINT)) return false;
	const next = target.charCodeAt(TRPC_ENDPOINT.length);
	// The end, '/' or '?'.
	return Number.isNaN(next) || next === 47 || next === 63;
}

function factsOf(req: IncomingMessage, proxy: ProxySettings): RequestFacts {
	return {
		authorization: req.headers.authorization ?? null,
		cookie: req.headers.cookie ?? null,
		origin: req.headers.origin ?? null,
		userAgent: req.headers['user-agent'] ?? null,
		ownOrigin: ownOrigin(proxy, req.headers)
	};
}

function headersOf(req: IncomingMessage): Headers {
	const headers = new Headers();
	const raw = req.rawHeaders;
	for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
	return headers;
}

/**
 * The request as tRPC's `resolveResponse` sees it. A JSON call or a GET (nearly every call) gets
 * only what resolveResponse and its JSON content-type handler read — url (for the query), method,
 * headers, signal and the body as text — instead of an undici `Request`, whose construction, body
 * stream and own abort signal cost ≈ 0.1 ms a call. Other content types go to tRPC's form-data
 * and octet handlers, which read `formData()` or `body`: they get a real Request.
 */
function trpcRequest(
	req: IncomingMessage,
	body: string | typeof TOO_LARGE | undefined,
	signal: AbortSignal
): Request {
	// tRPC reads only the query of this URL (the procedure path is given to it): any base will do.
	const url = `http://localhost${req.url}`;
	const method = req.method ?? 'GET';
	const headers = headersOf(req);
	if (body === undefined || (typeof body === 'string' && mediaType(req) === 'application/json')) {
		const call: Pick<Request, 'url' | 'method' | 'headers' | 'signal' | 'text'> = {
			url,
			method,
			headers,
			signal,
			text: async () => body ?? ''
		};
		return call as Request;
	}
	if (body === TOO_LARGE) {
		// Fails as tRPC's own body limit does, so that tRPC answers with its error shape.
		const failing = new ReadableStream({
			start: (controller) => controller.error(new TRPCError({ code: 'PAYLOAD_TOO_LARGE' }))
		});
		return new Request(url, {
			method,
			headers,
			body: failing,
			signal,
			duplex: 'half'
		} as RequestInit);
	}
	return new Request(url, { method, headers, body, signal });
}

/** Writes a streamed answer (a subscription's events) as it comes, until it ends or the client goes. */
async function writeStream(body: ReadableStream<Uint8Array>, res: ServerResponse) {
	const reader = body.getReader();
	const stop = () => void reader.cancel().catch(() => {});
	res.once('close', stop);
	dropAfterLifetime(res);
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done || res.destroyed) break;
			// A consumer that stops reading is dropped (streams.ts).
			if (!res.write(value) && !(await drainOrDrop(res))) break;
		}
	} finally {
		res.off('close', stop);
		res.end();
	}
}

/** Writes what resolveResponse answered onto the Node response. */
async function writeResponse(response: Response, res: ServerResponse) {
	res.statusCode = response.status;
	for (const [name, value] of response.headers) {
		if (name !== 'set-cookie') res.setHeader(name, value);
	}
	for (const cookie of response.headers.getSetCookie()) res.appendHeader('set-cookie', cookie);
	if (!response.body) res.end();
	else if (response.headers.get('content-type') === 'application/json') {
		// One JSON document: written in one go with its length, not as a chunked stream.
		const bytes = Buffer.from(await response.arrayBuffer());
		res.setHeader('Content-Length', bytes.length);
		res.end(bytes);
	} else await writeStream(response.body, res);
}

const TRPC_CONFIG = appRouter._def._config;
// By full path ('sync.push'): how tRPC itself finds a procedure (this router has no lazy parts).
const PROCEDURES = appRouter._def.procedures as unknown as Record<
	string,
	AnyTRPCProcedure | undefined
>;

/**
 * A mutation called alone with a JSON body — every push and direct create — is called here, as
 * resolveResponse would call it, and its data written as resolveResponse writes it, without the
 * fetch `Response` (and its body stream, read back) that resolveResponse makes for it. Whatever
 * else resolveResponse decides is not met here: batches and queries, other content types,
 * streamed answers, a body that is not JSON (false: resolveResponse answers). When the
 * mutation fails, resolveResponse is handed the error (as `error`: it neither parses the input
 * nor calls the procedure again) and answers it in its own shape, status and log call.
 */
async function answerJsonMutation(
	app: Beckon,
	req: IncomingMessage,
	res: ServerResponse,
	options: { proxy: ProxySettings; path: string; requestId: string },
	body: string,
	signal: AbortSignal
): Promise<boolean> {
	const { path, proxy } = options;
	if (req.method !== 'POST' || mediaType(req) !== 'application/json') return false;
	// A query string may ask for a batch; jsonl, for a stream (refused for a single call).
	if (req.url?.includes('?')) return false;
	if (req.headers['trpc-accept'] !== undefined || req.headers.accept?.includes('jsonl'))
		return false;
	const procedure = PROCEDURES[path];
	if (!procedure || procedure._def.type !== 'mutation') return false;
	let input: unknown;
	try {
		input = body === '' ? undefined : TRPC_CONFIG.transformer.input.deserialize(JSON.parse(body));
	} catch {
		return false;
	}
	const ctx = createContext(app, factsOf(req, proxy), cookieJar(res), clientAddressOf(proxy, req));
	let json: string;
	try {
		const data = await callTRPCProcedure({
			router: appRouter,
			path,
			getRawInput: async () => input,
			ctx,
			type: 'mutation',
			signal,
			batchIndex: 0
		});
		json = JSON.stringify(transformTRPCResponse(TRPC_CONFIG, { result: { data } }));
	} catch (cause) {
		const response = await resolveResponse({
			router: appRouter,
			maxBatchSize: MAX_BATCH_SIZE,
			req: trpcRequest(req, body, signal),
			path,
			error: getTRPCErrorFromUnknown(cause),
			createContext: async () => ctx,
			onError: logProcedureFailure(options.requestId)
		});
		await writeResponse(response, res);
		return true;
	}
	const bytes = Buffer.from(json);
	res.statusCode = 200;
	res.setHeader('vary', 'trpc-accept, accept');
	res.setHeader('content-type', 'application/json');
	res.setHeader('Content-Length', bytes.length);
	res.end(bytes);
	return true;
}

/** Set-Cookie goes straight onto the response, before its head is written. */
function cookieJar(res: ServerResponse) {
	return { append: (name: string, value: string) => void res.appendHeader(name, value) };
}

async function answer(
	app: Beckon,
	req: IncomingMessage,
	res: ServerResponse,
	options: { proxy: ProxySettings; path: string; requestId: string }
) {
	const { proxy } = options;
	if (isCrossSiteForm(req, proxy)) {
		refuseCrossSiteForm(req, res);
		return;
	}
	const body =
		req.method === 'GET' || req.method === 'HEAD' ? undefined : await readBody(req, MAX_BODY_BYTES);
	if (body === GONE) return;
	// The rest of an oversized body is not read: the connection closes after the answer.
	if (body === TOO_LARGE) res.setHeader('Connection', 'close');
	// A client that hangs up ends its live streams (as adapter-node's request signal did).
	const hangUp = new AbortController();
	res.once('close', () => {
		if (!res.writableFinished) hangUp.abort();
	});
	const stream = req.method === 'GET' && STREAMS.has(options.path);
	// On PostgreSQL every call but a live stream is answered on the database thread.
	if (app.thread && !stream) {
		await forward(app, req, res, options, body);
		return;
	}
	if (options.path === POKE_PATH && req.method === 'GET') {
		const ctx = await resolveContext(
			app,
			factsOf(req, proxy),
			NO_COOKIES,
			clientAddressOf(proxy, req)
		);
		if (ctx.user && canRead(ctx.user)) {
			await writePokeStream(app, ctx.user.id, res, hangUp.signal, ctx.clientAddress);
			return;
		}
		// Refused: tRPC answers, in its own words.
	}
	if (
		typeof body === 'string' &&
		(await answerJsonMutation(app, req, res, options, body, hangUp.signal))
	) {
		return;
	}
	const response = await resolveResponse({
		router: appRouter,
		maxBatchSize: MAX_BATCH_SIZE,
		req: trpcRequest(req, body, hangUp.signal),
		path: options.path,
		error: null,
		createContext: () =>
			resolveContext(app, factsOf(req, proxy), cookieJar(res), clientAddressOf(proxy, req)),
		onError: logProcedureFailure(options.requestId)
	});
	await writeResponse(response, res);
}

/** The poke stream, served by poke-stream.ts; checking a session sets no cookie. */
const POKE_PATH = 'sync.poke';

/**
 * The subscriptions: live streams, served on the HTTP thread even on PostgreSQL (their database
 * reads are tasks, tasks.ts). A test holds this list to the router's subscriptions.
 */
export const STREAMS: ReadonlySet<string> = new Set([
	'sync.poke',
	'link.watch',
	'link.signals',
	'requests.signals'
]);

/**
 * Hands a call to the database thread and writes its answer. Should the database be unavailable
 * (or not answer in time), the caller gets tRPC's SERVICE_UNAVAILABLE at once.
 */
async function forward(
	app: Beckon,
	req: IncomingMessage,
	res: ServerResponse,
	options: { proxy: ProxySettings; path: string; requestId: string },
	body: string | typeof TOO_LARGE | undefined
) {
	const thread = app.thread!;
	const headers: [string, string][] = [];
	for (let i = 0; i < req.rawHeaders.length; i += 2) {
		headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
	}
	const call: ApiCall = {
		requestId: options.requestId,
		path: options.path,
		method: req.method ?? 'GET',
		url: req.url ?? TRPC_ENDPOINT,
		headers,
		body: typeof body === 'string' ? body : null,
		tooLarge: body === TOO_LARGE,
		clientAddress: clientAddressOf(options.proxy, req),
		ownOrigin: ownOrigin(options.proxy, req.headers)
	};
	let answer: ApiAnswer;
	try {
		answer = await thread.answer(call);
	} catch (cause) {
		const error = cause instanceof TRPCError ? cause : unavailableError(cause);
		const response = await resolveResponse({
			router: appRouter,
			req: trpcRequest(
				req,
				typeof body === 'string' ? body : undefined,
				new AbortController().signal
			),
			path: options.path,
			error,
			createContext: async () => ({
				app,
				user: null,
				sessionToken: null,
				clientAddress: call.clientAddress,
				userAgent: null,
				resHeaders: NO_COOKIES,
				secureCookies: false
			}),
			onError: logProcedureFailure(options.requestId)
		});
		await writeResponse(response, res);
		return;
	}
	res.statusCode = answer.status;
	for (const [name, value] of answer.headers) res.appendHeader(name, value);
	res.setHeader('Content-Length', answer.body.byteLength);
	res.end(answer.body);
}

/**
 * Answers a call handed over by the HTTP thread (on the database thread): tRPC's own
 * resolveResponse on a fetch Request, as the dev server's route does, its answer read whole.
 */
export async function answerCall(app: Beckon, call: ApiCall): Promise<ApiAnswer> {
	const headers = new Headers(call.headers);
	const url = new URL(call.url, call.ownOrigin).toString();
	const req = call.tooLarge
		? new Request(url, {
				method: call.method,
				headers,
				body: new ReadableStream({
					start: (controller) => controller.error(new TRPCError({ code: 'PAYLOAD_TOO_LARGE' }))
				}),
				duplex: 'half'
			} as RequestInit)
		: new Request(url, { method: call.method, headers, body: call.body ?? undefined });
	const cookies: [string, string][] = [];
	const facts: RequestFacts = {
		authorization: headers.get('authorization'),
		cookie: headers.get('cookie'),
		origin: headers.get('origin'),
		userAgent: headers.get('user-agent'),
		ownOrigin: call.ownOrigin
	};
	const response = await resolveResponse({
		router: appRouter,
		req,
		path: call.path,
		maxBatchSize: MAX_BATCH_SIZE,
		error: null,
		createContext: async () =>
			createContext(
				app,
				facts,
				{ append: (name, value) => void cookies.push([name, value]) },
				call.clientAddress
			),
		onError: logProcedureFailure(call.requestId)
	});
	const answerHeaders: [string, string][] = [];
	for (const [name, value] of response.headers) {
		if (name !== 'set-cookie' && name !== 'content-length') answerHeaders.push([name, value]);
	}
	for (const cookie of response.headers.getSetCookie()) answerHeaders.push(['set-cookie', cookie]);
	answerHeaders.push(...cookies);
	return {
		status: response.status,
		headers: answerHeaders,
		body: new Uint8Array(await response.arrayBuffer())
	};
}
const NO_COOKIES = { append: () => {} };

/** What the client gets when answering fails outside tRPC (tRPC's own shape for it). */
const INTERNAL_ERROR = JSON.stringify({
	error: {
		message: 'Internal server error',
		code: -32603,
		data: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500 }
	}
});

export function serveTrpc(
	app: Beckon,
	req: IncomingMessage,
	res: ServerResponse,
	proxy: ProxySettings
): Promise<void> {
	const requestId = randomUUID();
	res.setHeader('X-Request-Id', requestId);
	const target = req.url ?? TRPC_ENDPOINT;
	const query = target.indexOf('?');
	// Procedure names only: a link call's token is in the query, which is never logged.
	const path = target.slice(TRPC_ENDPOINT.length + 1, query === -1 ? undefined : query);
	// Once the answer is complete (or the client has gone): a live stream is logged when it ends.
	logWhenDone(req, res, TRPC_ROUTE_ID, { reqId: requestId, procedure: path });
	return answer(app, req, res, { proxy, path, requestId }).catch((error: unknown) => {
		// A misconfigured proxy variable, or a bug: the cause goes to the log, not to the client.
		log.error({ reqId: requestId, procedure: path, err: error }, 'API request failed');
		if (res.headersSent) res.end();
		else {
			res.writeHead(500, { 'Content-Type': 'application/json' });
			res.end(INTERNAL_ERROR);
		}
	});
}
