/**
 * The background jobs every server runs, wherever its database is (runtime.ts in one thread;
 * db-thread/worker.ts on PostgreSQL). Started at boot, never on import.
 */
import type { Beckon } from '../app';
import * as checkpointJob from './checkpoint';
import * as expiryJob from './expiry';
import * as mailDeliveryJob from './mail-delivery';
import * as pruneJob from './prune';
import * as pushDeliveryJob from './push-delivery';
import * as remindersJob from './reminders';
import * as retentionJob from './retention';
import * as webhookDeliveryJob from './webhook-delivery';

/**
 * Starts every job; the returned function stops them (mail, push and webhook delivery finish
 * their attempts).
 */
export function startJobs(app: Beckon): () => Promise<void> {
	const stops: Array<() => void | Promise<void>> = [
		expiryJob.start(app),
		remindersJob.start(app),
		mailDeliveryJob.start(app),
		pushDeliveryJob.start(app),
		webhookDeliveryJob.start(app),
		retentionJob.start(app),
		pruneJob.start(app),
		checkpointJob.start(app)
	];
	return async () => {
		await Promise.all(stops.map((stop) => stop()));
	};
}
