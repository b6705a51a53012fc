/**
 * What the HTTP thread and the database thread of a server on PostgreSQL say to each other
 * (host.ts and worker.ts), and how an error crosses between them.
 */
import { TRPCError } from '@trpc/server';
import { DomainError, type DomainErrorReason } from '../../lib/domain/errors';
import type { ApiAnswer, ApiCall } from '../app';
import type { Change, RelayedSignal } from '../bus';
import { DatabaseUnavailableError } from '../db/postgres';

/** Marks the database thread's start (`workerData`), so the entry module runs the thread. */
export const DATABASE_THREAD = 'beckon-database-thread';

export type ToThread =
	| { type: 'task'; id: number; name: string; args: unknown[]; deadline: number }
	| { type: 'call'; id: number; call: ApiCall; deadline: number }
	/** Other instances' changes, for the jobs' listeners (mail delivery). */
	| { type: 'changes'; changes: Change[] }
	| { type: 'stop' };

export type FromThread =
	| { type: 'ready' }
	| { type: 'failed'; message: string; unavailable: boolean }
	| { type: 'result'; id: number; ok: true; value: unknown }
	| { type: 'result'; id: number; ok: false; error: WireError }
	| { type: 'answer'; id: number; answer: ApiAnswer }
	/** Committed changes: for this instance's streams and the other instances. */
	| { type: 'changes'; changes: Change[] }
	| { type: 'signal'; signal: RelayedSignal }
	| { type: 'availability'; available: boolean }
	| { type: 'stopped' };

export type WireError =
	| { kind: 'domain'; reason: DomainErrorReason; message: string; field?: string; detail?: string }
	| { kind: 'trpc'; code: TRPCError['code']; message: string }
	| { kind: 'unavailable'; message: string }
	| { kind: 'error'; message: string };

export function toWire(error: unknown): WireError {
	if (error instanceof DomainError) {
		const { reason, explanation: message, field, detail } = error;
		return { kind: 'domain', reason, message, field, detail };
	}
	if (error instanceof TRPCError) return { kind: 'trpc', code: error.code, message: error.message };
	if (isUnavailable(error)) return { kind: 'unavailable', message: (error as Error).message };
	return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
}

export function fromWire(error: WireError): Error {
	switch (error.kind) {
		case 'domain':
			return new DomainError(error.reason, error.message, error.field, error.detail);
		case 'trpc':
			return new TRPCError({ code: error.code, message: error.message });
		case 'unavailable':
			return new DatabaseUnavailableError(error.message);
		default:
			return new Error(error.message);
	}
}

/**
 * PostgreSQL could not do the work now, and the same call may succeed later: the connection is
 * down, or a timeout ended the statement (57014) or the wait for a lock (55P03). Recognised by
 * name and SQLSTATE, since the server's two bundles each carry a copy of the error classes.
 */
export function isUnavailable(error: unknown): boolean {
	if (!(error instanceof Error)) return false;
	if (error.name === 'DatabaseUnavailableError') return true;
	const code = (error as { code?: unknown }).code;
	return error.name === 'PostgresError' && (code === '57014' || code === '55P03');
}

/** The answer to a call PostgreSQL could not serve now: 503, try again shortly. */
export function unavailableError(cause?: unknown): TRPCError {
	return new TRPCError({
		code: 'SERVICE_UNAVAILABLE',
		message: 'The database is unavailable; try again shortly',
		cause
	});
}
