/**
 * Reasons a domain operation refuses to act. One place (the tRPC layer) maps them to wire codes;
 * the domain never knows about HTTP. Every refusal reaches clients as `error.data.reason`, so they
 * tell refusals apart by reason, never by wording.
 */
export const DomainErrorReason = {
	invalid: 'invalid',
	unauthenticated: 'unauthenticated',
	forbidden: 'forbidden',
	notFound: 'not_found',
	conflict: 'conflict',
	rateLimited: 'rate_limited',
	/** The client speaks another sync protocol version: it must reload to update. */
	protocolMismatch: 'protocol_mismatch',
	/** A session link that cannot be used; `detail` says why (a `DeadLinkKind`). */
	linkDead: 'link_dead'
} as const;
export type DomainErrorReason = (typeof DomainErrorReason)[keyof typeof DomainErrorReason];

/** Why a session link cannot be used: replaced or never issued, expired, or its request closed. */
export const DeadLinkKind = { invalid: 'invalid', expired: 'expired', closed: 'closed' } as const;
export type DeadLinkKind = (typeof DeadLinkKind)[keyof typeof DeadLinkKind];

/** A failure the user caused or can act on, as opposed to a bug. */
export class DomainError extends Error {
	readonly reason: DomainErrorReason;
	/** The input field at fault, for `invalid` and `protocol_mismatch`. */
	readonly field?: string;
	/** A finer machine-readable reason where one reason covers several cases (`link_dead`). */
	readonly detail?: string;
	/** The message without the `field: ` prefix, for showing under the field. */
	readonly explanation: string;

	constructor(reason: DomainErrorReason, message: string, field?: string, detail?: string) {
		super(field ? `${field}: ${message}` : message);
		this.name = 'DomainError';
		this.reason = reason;
		this.field = field;
		this.detail = detail;
		this.explanation = message;
	}
}

export const invalid = (field: string, message: string) =>
	new DomainError(DomainErrorReason.invalid, message, field);
export const forbidden = (message: string) => new DomainError(DomainErrorReason.forbidden, message);
export const notFound = (message: string) => new DomainError(DomainErrorReason.notFound, message);
export const conflict = (message: string) => new DomainError(DomainErrorReason.conflict, message);
export const rateLimited = (message: string) =>
	new DomainError(DomainErrorReason.rateLimited, message);
export const linkDead = (kind: DeadLinkKind, message: string) =>
	new DomainError(DomainErrorReason.linkDead, message, undefined, kind);

/** A zod failure as a domain error naming the first offending field (e.g. `assignment.userId`). */
export function fromZodIssues(
	issues: readonly {
		path?: readonly (PropertyKey | { key: PropertyKey })[];
		message: string;
	}[]
) {
	const issue = issues[0];
	const segments = issue?.path ?? [];
	const field = segments.map((s) => String(typeof s === 'object' ? s.key : s)).join('.') || 'input';
	return invalid(field, issue?.message ?? 'is invalid');
}
