import type { z } from 'zod';
import { DomainError } from '../domain/errors';
import { baseLocale } from '../paraglide/runtime.js';
import { agentLocale } from './agent-i18n';
import { a } from './app-i18n';

export type FieldErrors = Record<string, string>;

/**
 * The app speaks English as the server and the domain word it (their English is the English
 * text); in another language, refusals and validation issues are told from their machine-readable
 * parts (`reason`, `field`, zod's issue `code`), never from the English wording.
 */
const english = agentLocale === baseLocale;

/** One zod issue in the agent's language. */
export function issueText(issue: z.core.$ZodIssue): string {
	if (english) return issue.message;
	switch (issue.code) {
		case 'too_small': {
			const min = Number(issue.minimum);
			if (issue.origin === 'string') {
				return min <= 1 ? a.errRequired() : a.errTooShort({ min: String(min) });
			}
			return a.errTooSmallNumber({ min: String(min) });
		}
		case 'too_big': {
			const max = String(issue.maximum);
			return issue.origin === 'string' ? a.errTooLong({ max }) : a.errTooBigNumber({ max });
		}
		case 'invalid_format':
			return issue.format === 'email'
				? a.errEmail()
				: issue.format === 'url'
					? a.errUrl()
					: a.errInvalid();
		case 'invalid_value':
		case 'invalid_union':
			return a.errChoice();
		case 'invalid_type':
			return issue.input === undefined || issue.input === null ? a.errRequired() : a.errInvalid();
		default:
			return a.errInvalid();
	}
}

/** A refusal's reason in the agent's language (English: the server's own explanation). */
export function refusalText(reason: string | undefined, explanation: string): string {
	if (english) return explanation;
	switch (reason) {
		case 'invalid':
			return a.errInvalid();
		case 'forbidden':
			return a.errForbidden();
		case 'not_found':
			return a.errNotFound();
		case 'conflict':
			return a.errConflict();
		case 'rate_limited':
			return a.errRateLimited();
		case 'unauthenticated':
			return a.errUnauthenticated();
		case 'protocol_mismatch':
			return a.errProtocol();
		default:
			return a.errNetwork();
	}
}

/** A refused password sign-in (the server's words in English). */
export function credentialsText(explanation: string): string {
	return english ? explanation : a.errCredentials();
}

/** zod issues as one message per top-level field (the first wins), in the agent's language. */
export function fieldErrors(error: z.ZodError): FieldErrors {
	const errors: FieldErrors = {};
	for (const issue of error.issues) {
		const field = String(issue.path[0] ?? 'form');
		errors[field] ??= issueText(issue);
	}
	return errors;
}

/** A refused call's message under its field, without the server's `field: ` prefix. */
export function errorsOf(error: unknown): FieldErrors {
	if (error instanceof DomainError) {
		return { [error.field ?? 'form']: refusalText(error.reason, error.explanation) };
	}
	const data = (error as { data?: { reason?: string; field?: string } } | null)?.data;
	const message = error instanceof Error ? error.message : String(error);
	return { form: refusalText(data?.reason, message) };
}
