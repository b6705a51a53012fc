/**
 * Reasons a domain operation refuses to act. One place (the tRPC layer) maps them to wire codes;
 * the domain never knows about HTTP.
 */
export const DomainErrorReason = {
	invalid: 'invalid',
	unauthenticated: 'unauthenticated',
	forbidden: 'forbidden',
	notFound: 'not_found',
	conflict: 'conflict',
	rateLimited: 'rate_limited'
} as const;
export type DomainErrorReason = (typeof DomainErrorReason)[keyof typeof DomainErrorReason];

/** A failure the user caused or can act on, as opposed to a bug. */
export class DomainError extends Error {
	readonly reason: DomainErrorReason;
	/** The input field at fault, for `invalid`. */
	readonly field?: string;

	constructor(reason: DomainErrorReason, message: string, field?: string) {
		super(field ? `${field}: ${message}` : message);
		this.name = 'DomainError';
		this.reason = reason;
		this.field = field;
	}
}

export const invalid = (field: string, message: string) =>
	new DomainError(DomainErrorReason.invalid, message, field);
export const forbidden = (message: string) => new DomainError(DomainErrorReason.forbidden, message);
export const notFound = (message: string) => new DomainError(DomainErrorReason.notFound, message);
export const conflict = (message: string) => new DomainError(DomainErrorReason.conflict, message);

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
