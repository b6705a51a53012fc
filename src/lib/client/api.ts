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
import type { ErrorReason } from '../sync/protocol';

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

/** What the server says about a refused call, machine-readably; null for a network failure. */
export interface Refusal {
	reason: ErrorReason;
	/** The input field at fault, where one is. */
	field?: string;
	/** A finer reason (which way a link is dead). */
	detail?: string;
}

/** The refusal behind a failed call, or null when the server never answered. */
export function refusalOf(error: unknown): Refusal | null {
	if (!(error instanceof TRPCClientError)) return null;
	const data = error.data as Partial<Refusal> | undefined;
	if (!data?.reason) return null;
	return { reason: data.reason, field: data.field, detail: data.detail };
}
