/**
 * Outbound webhooks' rules (Standard Webhooks 1.0): which events a change of a request is, and
 * when a failed delivery is tried again. Plain data and functions; the server writes and sends.
 */
import type { EventType, Status } from './types';

export const WEBHOOK_EVENT_TYPES = [
	'request.created',
	'request.updated',
	'request.assigned',
	'request.status_changed',
	'request.reopened',
	'session.started',
	'session.ended',
	'email.failed'
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The event `webhooks.test` sends: to the one endpoint tested, whatever it subscribes to. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';

/** The timeline event types each webhook event stands for (status moves are read from the row). */
const BY_TIMELINE_EVENT: Partial<Record<EventType, WebhookEventType>> = {
	created: 'request.created',
	updated: 'request.updated',
	expiry_extended: 'request.updated',
	assigned: 'request.assigned',
	taken: 'request.assigned',
	reopened: 'request.reopened',
	email_failed: 'email.failed'
};

/**
 * The webhook events one write of a request is: its timeline event's, then a status change
 * (`from` is the status every read reported before the write), then the session's start or end,
 * which are the moves into and out of `connected` (an agent's end, the end user's, a close).
 */
export function webhookEventsOf(change: {
	event: EventType | null;
	from: Status;
	to: Status;
}): WebhookEventType[] {
	const types: WebhookEventType[] = [];
	const byEvent = change.event ? BY_TIMELINE_EVENT[change.event] : undefined;
	if (byEvent) types.push(byEvent);
	if (change.from !== change.to) {
		types.push('request.status_changed');
		if (change.to === 'connected') types.push('session.started');
		if (change.from === 'connected') types.push('session.ended');
	}
	return types;
}

const SECOND = 1_000;
const HOUR = 3_600_000;

/** Retries stop this long after the event: the delivery is then `failed` for good. */
export const WEBHOOK_RETRY_WINDOW_MS = 72 * HOUR;
/** The first retry's wait; each later one doubles, up to WEBHOOK_LONGEST_WAIT_MS. */
export const WEBHOOK_FIRST_RETRY_MS = 10 * SECOND;
export const WEBHOOK_LONGEST_WAIT_MS = 12 * HOUR;
/** One attempt's limit: connection, request and the answer's headers. */
export const WEBHOOK_TIMEOUT_MS = 15 * SECOND;

/**
 * The wait after failed attempt number `attempts` (1, 2, …): 10 s doubling up to 12 h, times a
 * jitter between 0.75 and 1.25 (`random` in [0, 1)), so that endpoints recovering from an outage
 * are not hit by every queued event at the same instant.
 */
export function webhookRetryDelay(attempts: number, random: number): number {
	const base = Math.min(
		WEBHOOK_FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1),
		WEBHOOK_LONGEST_WAIT_MS
	);
	return Math.round(base * (0.75 + random / 2));
}

/**
 * A `Retry-After` header's wait in ms at `now`: delay-seconds or an HTTP date; null when absent
 * or unreadable. At least a second.
 */
export function retryAfterMs(header: string | null | undefined, now: number): number | null {
	if (!header) return null;
	const text = header.trim();
	if (/^\d+$/.test(text)) return Math.max(SECOND, Number(text) * SECOND);
	const at = Date.parse(text);
	return Number.isNaN(at) ? null : Math.max(SECOND, at - now);
}
