import type { ErrorReason } from '../sync/protocol';

/** What the server says about a refused call, machine-readably; null for a network failure. */
export interface Refusal {
	reason: ErrorReason;
	/** The input field at fault, where one is. */
	field?: string;
	/** A finer reason (which way a link is dead). */
	detail?: string;
}

/**
 * The refusal behind a failed call, or null when the server never answered. Told by the error's
 * name (tRPC's `TRPCClientError`), so the screens that read refusals do not load the tRPC client
 * (lazy-api.ts).
 */
export function refusalOf(error: unknown): Refusal | null {
	if (!(error instanceof Error) || error.name !== 'TRPCClientError') return null;
	const data = (error as Error & { data?: Partial<Refusal> }).data;
	if (!data?.reason) return null;
	return { reason: data.reason, field: data.field, detail: data.detail };
}
