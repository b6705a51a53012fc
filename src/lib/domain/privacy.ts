/**
 * What "personal data" means for a session request, and when it must go (GDPR art. 5, 15, 17):
 * the rules behind retention, erasure and export, as plain data and pure functions.
 */
import { conflict } from './errors';
import type { EventType, Status } from './types';

const DAY_MS = 86_400_000;

/** The retention setting's bounds, in days; `null` (the default) keeps requests until erased. */
export const RETENTION_DAYS = { min: 1, max: 3650 } as const;

/** What an anonymised request's recipient is called from then on (the name is required). */
export const ANONYMIZED_NAME = 'anonymized';

/** How an address is compared: stored as typed, matched without case or surrounding spaces. */
export function normalizeEmail(email: string): string {
	return email.trim().toLowerCase();
}

/** Terminal requests whose status changed at or before this instant are due for anonymisation. */
export function retentionCutoff(now: number, retentionDays: number): number {
	return now - retentionDays * DAY_MS;
}

/** Whether retention anonymises this request now (the sweep's query says the same in SQL). */
export function isDueForAnonymization(
	request: { status: Status; statusChangedAt: number; anonymizedAt: number | null },
	retentionDays: number | null,
	now: number
): boolean {
	return (
		retentionDays !== null &&
		request.anonymizedAt === null &&
		(request.status === 'closed' || request.status === 'expired') &&
		request.statusChangedAt <= retentionCutoff(now, retentionDays)
	);
}

/**
 * The keys of each event's data that say nothing about the end user (statuses, assignments,
 * times, mail kinds and counts): anonymising keeps these and drops the rest, so whatever a
 * future event adds is dropped until it is listed here. `to` is an assignment on `assigned`
 * and an email address on the mail events, hence one list per type.
 */
const NON_PERSONAL_EVENT_KEYS: Partial<Record<EventType, readonly string[]>> = {
	created: ['assignment', 'source'],
	updated: ['fields'],
	assigned: ['from', 'to'],
	taken: ['from'],
	link_opened: ['firstOpen'],
	session_ended: ['by'],
	closed: ['reason'],
	expired: ['expiresAt'],
	reopened: ['expiresAt'],
	expiry_extended: ['from', 'to'],
	email_queued: ['mailId', 'kind'],
	email_sent: ['mailId', 'kind', 'attempts'],
	email_failed: ['mailId', 'kind', 'attempts'],
	anonymized: ['retentionDays'],
	// A transfer's `note` is free text about the person: dropped.
	transferred: ['from', 'to'],
	fallback: ['from', 'to', 'reason', 'via', 'sessionEnded']
};

/** An event's data without the end user's personal data. */
export function withoutPersonalData(
	type: EventType,
	data: Record<string, unknown>
): Record<string, unknown> {
	const kept = NON_PERSONAL_EVENT_KEYS[type] ?? [];
	return Object.fromEntries(Object.entries(data).filter(([key]) => kept.includes(key)));
}

/** The refusal of any change to an anonymised request: there is nobody left to invite. */
export function anonymizedRefusal() {
	return conflict(
		'This request’s personal data was erased; create a new request to invite the person again'
	);
}
