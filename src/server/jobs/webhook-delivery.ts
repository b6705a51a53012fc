/**
 * Webhook delivery: sends due deliveries (services/webhooks.ts), a few at once so that one slow
 * endpoint (up to the 15 s timeout) does not hold up the others; each delivery is claimed by one
 * attempt at a time, on PostgreSQL across every instance too.
 */
import type { Beckon } from '../app';
import { outboxDue } from '../services/outbox';
import { startOutboxJob } from './outbox-job';
import { attemptDelivery, claimNextWebhook, type DeliveryResult } from '../services/webhooks';

/** Attempts in flight per instance. */
export const WEBHOOK_CONCURRENCY = 4;

export type WebhookReport = Record<DeliveryResult, number>;

/** Sends every delivery due now; resolves when none is left (or on `signal`). */
export async function deliverDueWebhooks(
	app: Beckon,
	options: { signal?: AbortSignal; concurrency?: number; leaseMs?: number } = {}
): Promise<WebhookReport> {
	const report: WebhookReport = { delivered: 0, retrying: 0, failed: 0 };
	const worker = async () => {
		for (;;) {
			if (options.signal?.aborted) return;
			const claimed = claimNextWebhook(app, options.leaseMs);
			if (!claimed) return;
			report[await attemptDelivery(app, claimed)]++;
		}
	};
	await Promise.all(Array.from({ length: options.concurrency ?? WEBHOOK_CONCURRENCY }, worker));
	return report;
}

/** Starts delivering; returns the function that stops it (after the attempts in progress). */
export function start(app: Beckon, options: { intervalMs?: number } = {}): () => Promise<void> {
	return startOutboxJob(app, {
		name: 'webhook delivery',
		intervalMs: options.intervalMs ?? 2_000,
		deliver: (signal) => deliverDueWebhooks(app, { signal }),
		isDue: () => outboxDue(app, 'webhook_deliveries')
	});
}
