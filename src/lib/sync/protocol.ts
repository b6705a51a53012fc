/**
 * The sync wire contract, imported by the client's sync engine and the server alike: protocol
 * version, push/pull shapes, the mutation names with their argument schemas, and the error codes
 * a rejected mutation carries.
 */
import { z } from 'zod';
import { DomainErrorReason, type DomainError } from '../domain/errors';
import {
	assignRequestSchema,
	createRequestSchema,
	extendRequestSchema,
	reopenRequestSchema,
	requestIdSchema,
	transferRequestSchema,
	updateRequestSchema
} from '../domain/schemas';
import { MAX_PULL_PAGE, MAX_PUSH_BATCH } from './limits';

export {
	MAX_PULL_PAGE,
	MAX_PUSH_BATCH,
	nextPush,
	PROTOCOL_VERSION,
	PUSH_ARGS_BUDGET
} from './limits';

/** Mutation name → the input of the matching `requests.*` procedure. */
export const MUTATION_ARGS = {
	createRequest: createRequestSchema,
	updateRequest: updateRequestSchema,
	assignRequest: assignRequestSchema,
	takeRequest: requestIdSchema,
	requestConnect: requestIdSchema,
	startSession: requestIdSchema,
	endSession: requestIdSchema,
	closeRequest: requestIdSchema,
	reopenRequest: reopenRequestSchema,
	extendExpiry: extendRequestSchema,
	regenerateLink: requestIdSchema,
	transferRequest: transferRequestSchema
} as const;
export type MutationName = keyof typeof MUTATION_ARGS;
export const MUTATION_NAMES = Object.keys(MUTATION_ARGS) as MutationName[];
export type MutationArgs<N extends MutationName> = z.input<(typeof MUTATION_ARGS)[N]>;

const clientId = z.uuid({ message: 'must be a UUID' });
const protocolVersion = z.number().int().positive().optional();

export const pushInputSchema = z.object({
	clientId,
	protocolVersion,
	mutations: z
		.array(
			z.object({
				id: z
					.number()
					.int({ message: 'must be an integer' })
					.positive({ message: 'must be positive' }),
				name: z.enum(MUTATION_NAMES as [MutationName, ...MutationName[]], {
					message: `must be one of ${MUTATION_NAMES.join(', ')}`
				}),
				args: z.unknown()
			})
		)
		.max(MAX_PUSH_BATCH, { message: `must hold at most ${MAX_PUSH_BATCH} mutations per push` })
});
export type PushInput = z.infer<typeof pushInputSchema>;

export const pullInputSchema = z.object({
	clientId,
	protocolVersion,
	cursor: z.string().max(200).nullable().optional(),
	limit: z.number().int().min(1).max(MAX_PULL_PAGE).optional()
});
export type PullInput = z.infer<typeof pullInputSchema>;

/** The wire code (tRPC's names) for each domain refusal: the one mapping, used by both layers. */
export const ERROR_CODE_OF = {
	[DomainErrorReason.invalid]: 'BAD_REQUEST',
	[DomainErrorReason.unauthenticated]: 'UNAUTHORIZED',
	[DomainErrorReason.forbidden]: 'FORBIDDEN',
	[DomainErrorReason.notFound]: 'NOT_FOUND',
	[DomainErrorReason.conflict]: 'CONFLICT',
	[DomainErrorReason.rateLimited]: 'TOO_MANY_REQUESTS',
	[DomainErrorReason.protocolMismatch]: 'BAD_REQUEST',
	[DomainErrorReason.linkDead]: 'NOT_FOUND'
} as const satisfies Record<DomainErrorReason, string>;
export type ErrorCode = (typeof ERROR_CODE_OF)[DomainErrorReason] | 'INTERNAL_SERVER_ERROR';

/**
 * The machine-readable reason every error answer carries in `error.data.reason`: a domain
 * refusal's own, or for errors tRPC raises itself (a body too large, an unknown procedure…) the
 * one its code implies. `unavailable`: the database cannot serve the call now (try again
 * shortly). `internal` is a bug, never the caller's doing.
 */
export type ErrorReason =
	DomainErrorReason | 'too_large' | 'unsupported' | 'unavailable' | 'internal';

const REASON_OF_CODE: Record<string, ErrorReason> = {
	PARSE_ERROR: DomainErrorReason.invalid,
	BAD_REQUEST: DomainErrorReason.invalid,
	UNAUTHORIZED: DomainErrorReason.unauthenticated,
	FORBIDDEN: DomainErrorReason.forbidden,
	NOT_FOUND: DomainErrorReason.notFound,
	CONFLICT: DomainErrorReason.conflict,
	TOO_MANY_REQUESTS: DomainErrorReason.rateLimited,
	PAYLOAD_TOO_LARGE: 'too_large',
	METHOD_NOT_SUPPORTED: 'unsupported',
	UNSUPPORTED_MEDIA_TYPE: 'unsupported',
	NOT_IMPLEMENTED: 'unsupported',
	SERVICE_UNAVAILABLE: 'unavailable'
};

/** The reason of an error that is no domain refusal, from its tRPC code. */
export function reasonOfCode(code: string): ErrorReason {
	return REASON_OF_CODE[code] ?? 'internal';
}

/** Why a mutation was rejected: its wire code and reason, the field at fault, the message. */
export interface MutationRefusal {
	code: ErrorCode;
	reason: ErrorReason;
	field?: string;
	message: string;
}

/** A domain refusal as the wire carries it, in a push's results and in a tRPC error's `data`. */
export function refusalOf(error: DomainError): MutationRefusal {
	const refusal: MutationRefusal = {
		code: ERROR_CODE_OF[error.reason],
		reason: error.reason,
		message: error.message
	};
	if (error.field !== undefined) refusal.field = error.field;
	return refusal;
}

export interface MutationResult {
	id: number;
	ok: boolean;
	error?: MutationRefusal;
}
