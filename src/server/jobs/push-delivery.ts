/**
 * Push delivery: sends due pushes to their push services, one claimed row at a time (the claim
 * and lease of services/push.ts), retrying with backoff. A 404 or 410 means the browser dropped
 * the subscription: the device goes, with its pushes. Other 4xx answers (a refused key, a payload
 * too large) do not get better with time: the push fails at once. 429, 5xx and no answer retry.
 */
import type { Beckon } from '../app';
import { outboxDue } from '../services/outbox';
import { startOutboxJob } from './outbox-job';
import { addressOf } from '../mail/format';
import { sendPush, type PushOutcome } from '../push/send';
import {
	claimNextPush,
	dropSubscription,
	markPushDelivered,
	markPushFailed,
	type ClaimedPush
} from '../services/push';

/** Attempts per push: 1 + 7 retries over about ten minutes; later, an alert is old news. */
export const MAX_PUSH_ATTEMPTS = 8;
const FIRST_RETRY_MS = 5_000;
const LONGEST_RETRY_MS = 5 * 60_000;
/** What a push service keeps for a device that is offline: the alert is stale after an hour. */
export const PUSH_TTL_SECONDS = 3_600;
/** The end of a claim: how long before a push whose attempt died with its process is retried. */
export const DEFAULT_PUSH_LEASE_MS = 60_000;

/** The wait before attempt `attempts + 1`: 5, 10, 20 … seconds, at most five minutes. */
export function pushRetryDelay(attempts: number): number {
	return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), LONGEST_RETRY_MS);
}

export interface PushReport {
	delivered: number;
	retrying: number;
	failed: number;
	/** Subscriptions the push service said are gone (404, 410). */
	dropped: number;
}

/** The VAPID `sub` claim: the operators' contact, the sender address of the server's mail. */
export function vapidSubject(app: Beckon): string {
	return `mailto:${addressOf(app.config.mailFrom)}`;
}

function send(app: Beckon, { row, subscription }: ClaimedPush): Promise<PushOutcome> {
	return sendPush(
		subscription,
		{
			payload: row.payload,
			// A request id without its dashes: 32 base64url characters, as a Topic may have.
			topic: (row.requestId ?? row.id).replaceAll('-', ''),
			ttlSeconds: PUSH_TTL_SECONDS
		},
		{ vapid: app.vapid, subject: vapidSubject(app), allowPrivate: app.config.pushAllowPrivate }
	);
}

/** Sends every push due now, one after another; resolves when none is left. */
export async function deliverDuePushes(
	app: Beckon,
	options: { leaseMs?: number; signal?: AbortSignal } = {}
): Promise<PushReport> {
	const report: PushReport = { delivered: 0, retrying: 0, failed: 0, dropped: 0 };
	for (;;) {
		if (options.signal?.aborted) return report;
		const claimed = claimNextPush(app, options.leaseMs ?? DEFAULT_PUSH_LEASE_MS);
		if (!claimed) return report;
		const outcome = await send(app, claimed);
		if (outcome.error === null) {
			markPushDelivered(app, claimed);
			report.delivered++;
		} else if (outcome.status === 404 || outcome.status === 410) {
			dropSubscription(app, claimed.subscription.id);
			report.dropped++;
		} else {
			const retryable = outcome.status === 0 || outcome.status === 429 || outcome.status >= 500;
			const final = !retryable || claimed.row.attempts >= MAX_PUSH_ATTEMPTS;
			const retryAt = final ? null : app.clock() + pushRetryDelay(claimed.row.attempts);
			markPushFailed(app, claimed, outcome.error, retryAt);
			if (final) report.failed++;
			else report.retrying++;
		}
	}
}

/** Starts delivering; returns the function that stops it (after the attempt in progress). */
export function start(app: Beckon, options: { intervalMs?: number } = {}): () => Promise<void> {
	return startOutboxJob(app, {
		name: 'push delivery',
		intervalMs: options.intervalMs ?? 5_000,
		deliver: (signal) => deliverDuePushes(app, { signal }),
		isDue: () => outboxDue(app, 'push_outbox')
	});
}
