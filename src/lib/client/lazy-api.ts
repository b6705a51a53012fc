/**
 * The agent app's tRPC client, loaded when the first call is made rather than with the first
 * screen (README, Performance row 7): the request list reads the local database, so it shows
 * while the client loads; the boot's session check asks for it at once. Typed and called as
 * the client itself (`api.requests.list.query(…)`, `api.sync.poke.subscribe(…)`).
 */
import type { Api } from './api';

type Procedure = Record<string, (...args: unknown[]) => unknown>;

/** An `Api` whose calls wait for `load`; a failed load fails the call and is tried again. */
export function lazyApi(load: () => Promise<Api>): Api {
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
				if (path[path.length - 1] !== 'subscribe')
					return client().then((api) => call(api, path, args));
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

/** The browser's client, loaded on its first call. */
export const createLazyApi = (): Api => lazyApi(() => import('./api').then((m) => m.createApi()));
