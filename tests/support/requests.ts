/**
 * One request to start from, for the specs of the shared plans, the optimistic mutators and the
 * client store: written once here so that a new request field is added in one place.
 */
import { randomUUID } from 'node:crypto';
import { DomainError } from '../../src/lib/domain/errors';
import type { RequestFacts } from '../../src/lib/domain/plans';
import type { SessionRequest } from '../../src/lib/domain/types';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * What the plans read of a request: open, assigned to `owner`, for Ada Lovelace, expiring six
 * days after `now`.
 */
export function openFacts(
	owner: string,
	now: number,
	overrides: Partial<RequestFacts> = {}
): RequestFacts {
	return {
		recipientName: 'Ada Lovelace',
		recipientEmail: null,
		sendEmail: false,
		emailLanguage: 'en',
		comments: '',
		scheduledAt: null,
		timeZone: null,
		expiresAt: now + 6 * DAY,
		assignment: { kind: 'agent', userId: owner },
		endUserSeenAt: null,
		status: 'open',
		connectRequested: false,
		closedReason: null,
		...overrides
	};
}

/**
 * The same request as the server sends it in a pull: synced at version 1, created by `owner` a
 * day before `now`, with a link.
 */
export function serverRequest(
	owner: string,
	now: number,
	overrides: Partial<SessionRequest> = {}
): SessionRequest {
	const facts = openFacts(owner, now);
	const created = iso(now - DAY);
	return {
		...facts,
		id: randomUUID(),
		scheduledAt: null,
		expiresAt: iso(facts.expiresAt),
		endUserSeenAt: null,
		createdBy: owner,
		source: 'agent',
		createdAt: created,
		updatedAt: created,
		statusChangedAt: created,
		version: 1,
		link: 'http://beckon.test/s/token',
		anonymizedAt: null,
		...overrides
	};
}

/** The DomainError `run` throws; fails the test if it returns or throws anything else. */
export function refusal(run: () => unknown): DomainError {
	try {
		run();
	} catch (error) {
		if (error instanceof DomainError) return error;
		throw error;
	}
	throw new Error('expected a DomainError, but it went through');
}
