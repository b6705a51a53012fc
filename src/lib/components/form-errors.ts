import type { z } from 'zod';
import { DomainError } from '../domain/errors';

export type FieldErrors = Record<string, string>;

/** zod issues as one message per top-level field (the first wins), as the server words them. */
export function fieldErrors(error: z.ZodError): FieldErrors {
	const errors: FieldErrors = {};
	for (const issue of error.issues) {
		const field = String(issue.path[0] ?? 'form');
		errors[field] ??= issue.message;
	}
	return errors;
}

/** A refused call's message under its field, without the server's `field: ` prefix. */
export function errorsOf(error: unknown): FieldErrors {
	if (error instanceof DomainError) {
		return { [error.field ?? 'form']: error.explanation };
	}
	return { form: error instanceof Error ? error.message : String(error) };
}
