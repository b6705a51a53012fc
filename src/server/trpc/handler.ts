/** What every way of serving `/api/trpc` shares: its path, its body limit, its error log. */
import type { TRPCError } from '@trpc/server';
import { log } from '../log';

export const TRPC_ENDPOINT = '/api/trpc';
/** Far above any legitimate call (a full push batch is well under this). */
export const MAX_BODY_BYTES = 1_000_000;

/** Logs what the caller is not told: unexpected failures, with their cause. */
export function logProcedureFailure(requestId: string | undefined) {
	return ({ error, path }: { error: TRPCError; path?: string }) => {
		if (error.code === 'INTERNAL_SERVER_ERROR') {
			log.error(
				{ reqId: requestId, procedure: path, err: error.cause ?? error },
				'procedure failed'
			);
		}
	};
}
