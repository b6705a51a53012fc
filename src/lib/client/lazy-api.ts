/**
 * The agent app's API, typed and called as the tRPC client itself (`api.requests.list.query(…)`,
 * `api.sync.poke.subscribe(…)`), without the client on the first screen (README, Performance
 * row 7): queries and mutations are plain `fetch` calls in tRPC's HTTP form (`httpCalls`, one
 * call per request), and the client is loaded for the first subscription (the sync engine's
 * pokes, once the first screen shows).
 */
import type { Api } from './api';

type Procedure = Record<string, (...args: unknown[]) => unknown>;

/** A query or a mutation, by its path (`auth.me`), with its input and the caller's options. */
export type HttpCall = (
	type: 'query' | 'mutate',
	path: string,
	input: unknown,
	options?: { signal?: AbortSignal }
) => Promise<unknown>;

/** An error as the tRPC client raises it: its name, message and the server's `data`. */
function clientError(message: string, shape?: { data?: unknown }, cause?: unknown) {
	const error = new Error(message, { cause }) as Error & { data?: unknown; shape?: unknown };
	error.name = 'TRPCClientError';
	error.shape = shape;
	error.data = shape?.data;
	return error;
}

/**
 * Queries and mutations over tRPC's HTTP protocol with `fetch`: a query is a GET with its input
 * in the query string, a mutation a POST of its input as JSON; the answer is `{result: {data}}`
 * or `{error: {message, data}}` (the server has no transformer). A network failure or an answer
 * that is no tRPC answer fails as the client's would (no `data`: not a refusal, `refusalOf`).
 * `headers` are for callers outside the browser (tests), which have no cookie jar.
 */
export function httpCalls(baseUrl = '', headers?: Record<string, string>): HttpCall {
	return async (type, path, input, options) => {
		let url = `${baseUrl}/api/trpc/${path}`;
		if (type === 'query' && input !== undefined)
			url += `?input=${encodeURIComponent(JSON.stringify(input))}`;
		let response: Response;
		try {
			response = await fetch(url, {
				signal: options?.signal,
				headers: { ...headers, ...(type === 'mutate' && { 'content-type': 'application/json' }) },
				...(type === 'mutate' && {
					method: 'POST',
					body: input === undefined ? undefined : JSON.stringify(input)
				})
			});
		} catch (error) {
			throw clientError((error as Error).message, undefined, error);
		}
		const answer = (await response.json().catch(() => null)) as {
			result?: { data?: unknown };
			error?: { message?: string; data?: unknown };
		} | null;
		if (answer?.error) throw clientError(answer.error.message ?? 'Refused', answer.error);
		if (!response.ok || !answer?.result)
			throw clientError(`Unexpected answer (HTTP ${response.status})`);
		return answer.result.data;
	};
}

/**
 * An `Api` whose calls wait for `load`; a failed load fails the call and is tried again. With
 * `calls`, queries and mutations go through it and only subscriptions load the client.
 */
export function lazyApi(load: () => Promise<Api>, calls?: HttpCall): Api {
	let loading: Promise<Api> | null = null;
	const client = () =>
		(loading ??= load().catch((error: unknown) => {
			loading = null;
			throw error;
		}));
	const call = (api: Api, path: string[], args: unknown[]) => {
		const procedure = path
			.slice(0, -1)
			.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], api) as Procedure;
		return procedure[path[path.length - 1]](...args);
	};
	// `path` ends with the operation: query, mutate or subscribe.
	const node = (path: string[]): unknown =>
		new Proxy(() => {}, {
			get: (_, key) =>
				typeof key === 'string' && key !== 'then' ? node([...path, key]) : undefined,
			apply: (_, __, args: unknown[]) => {
				const operation = path[path.length - 1];
				if (calls && (operation === 'query' || operation === 'mutate'))
					return calls(
						operation,
						path.slice(0, -1).join('.'),
						args[0],
						args[1] as { signal?: AbortSignal }
					);
				if (operation !== 'subscribe') return client().then((api) => call(api, path, args));
				// A subscription answers at once with its handle, as tRPC's does.
				const handlers = args[1] as { onError?: (error: unknown) => void } | undefined;
				let subscription: { unsubscribe(): void } | null = null;
				let ended = false;
				client().then(
					(api) => {
						if (!ended) subscription = call(api, path, args) as { unsubscribe(): void };
					},
					(error: unknown) => {
						if (!ended) handlers?.onError?.(error);
					}
				);
				return {
					unsubscribe() {
						ended = true;
						subscription?.unsubscribe();
					}
				};
			}
		});
	return node([]) as Api;
}

/** The browser's API: calls with `fetch`, the tRPC client loaded for the first subscription. */
export const createLazyApi = (): Api =>
	lazyApi(() => import('./api').then((m) => m.createApi()), httpCalls());
