/** The typed tRPC client of the agent app: batched HTTP for calls, SSE for subscriptions. */
import {
	createTRPCClient,
	httpBatchLink,
	httpSubscriptionLink,
	splitLink,
	TRPCClientError
} from '@trpc/client';
// Type-only: the router's types, none of its code, reach the browser.
import type { AppRouter } from '../../server/trpc/_app';

export type Api = ReturnType<typeof createApi>;

export function createApi(baseUrl = '') {
	const url = `${baseUrl}/api/trpc`;
	return createTRPCClient<AppRouter>({
		links: [
			splitLink({
				condition: (op) => op.type === 'subscription',
				true: httpSubscriptionLink({ url }),
				false: httpBatchLink({ url, maxItems: 10 })
			})
		]
	});
}

/** The tRPC error code of a failed call, or null for a network failure. */
export function errorCode(error: unknown): string | null {
	if (error instanceof TRPCClientError) {
		return (error.data as { code?: string } | undefined)?.code ?? null;
	}
	return null;
}
