/** The typed tRPC client of the agent app: batched HTTP for calls, SSE for subscriptions. */
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
// Type-only: the router's types, none of its code, reach the browser.
import type { AppRouter } from '../../server/trpc/_app';

export { refusalOf, type Refusal } from './refusal';

export type Api = ReturnType<typeof createApi>;

/** `headers` are for callers outside the browser (tests, scripts), which have no cookie jar. */
export function createApi(baseUrl = '', headers?: Record<string, string>) {
	const url = `${baseUrl}/api/trpc`;
	return createTRPCClient<AppRouter>({
		links: [
			splitLink({
				condition: (op) => op.type === 'subscription',
				true: httpSubscriptionLink({ url }),
				false: httpBatchLink({ url, maxItems: 10, headers })
			})
		]
	});
}
