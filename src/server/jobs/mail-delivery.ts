/**
 * Mail delivery: sends due outbox messages over SMTP, one claimed row at a time, retrying with
 * exponential backoff and giving up after MAX_ATTEMPTS (or at once on a permanent 5xx refusal).
 * The claim/lease protocol and what "exactly once" means here are described in services/mail.ts.
 *
 * With no SMTP configured the job does not run: messages stay `pending` in the outbox, where
 * admins read them, and go out once the server starts with BECKON_SMTP_URL.
 */
import type { Beckon } from '../app';
import { outboxDue } from '../services/outbox';
import { startOutboxJob } from './outbox-job';
import { describeFailure, smtpTransport, type MailTransport } from '../mail/transport';
import { claimNextMail, markMailFailed, markMailSent, outgoingMail } from '../services/mail';
import { log } from '../log';

/** Attempts per message before it is `failed`: 1 + 9 retries over about four hours. */
export const MAX_ATTEMPTS = 10;
const FIRST_RETRY_MS = 60_000;
const LONGEST_RETRY_MS = 60 * 60_000;

/**
 * How long a claim lasts. Only a crashed attempt ever reaches it (within one process attempts
 * do not overlap, and the transport's timeouts end an attempt in well under a minute), so it is
 * the delay before a message interrupted by a crash is tried again.
 */
export const DEFAULT_LEASE_MS = 5 * 60_000;

/** The wait before attempt `attempts + 1`: 1, 2, 4, 8 … minutes, at most an hour. */
export function retryDelay(attempts: number): number {
	return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), LONGEST_RETRY_MS);
}

export interface DeliveryReport {
	sent: number;
	retrying: number;
	failed: number;
}

/** Sends every message due now, one after another; resolves when none is left. */
export async function deliverDueMail(
	app: Beckon,
	transport: MailTransport,
	options: { leaseMs?: number; signal?: AbortSignal } = {}
): Promise<DeliveryReport> {
	const report: DeliveryReport = { sent: 0, retrying: 0, failed: 0 };
	const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
	for (;;) {
		if (options.signal?.aborted) return report;
		const claimed = claimNextMail(app, leaseMs);
		if (!claimed) return report;
		try {
			await transport.send(outgoingMail(app, claimed));
		} catch (error) {
			const failure = describeFailure(error);
			const final = failure.permanent || claimed.attempts >= MAX_ATTEMPTS;
			const retryAt = final ? null : app.clock() + retryDelay(claimed.attempts);
			markMailFailed(app, claimed, failure.message, retryAt);
			if (final) report.failed++;
			else report.retrying++;
			continue;
		}
		markMailSent(app, claimed);
		report.sent++;
	}
}

export interface DeliveryJobOptions {
	/** Defaults to SMTP at BECKON_SMTP_URL; without it (and without this) the job does not run. */
	transport?: MailTransport;
	/** How often due messages (retries) are looked for; request changes also wake the job. */
	intervalMs?: number;
	leaseMs?: number;
}

/** Starts delivering; returns the function that stops it (after the attempt in progress). */
export function start(app: Beckon, options: DeliveryJobOptions = {}): () => Promise<void> {
	const transport =
		options.transport ??
		(app.config.smtpUrl ? smtpTransport(app.config.smtpUrl, app.config.mailFrom) : null);
	if (!transport) {
		log.info('BECKON_SMTP_URL is not set: email stays in the outbox, where admins can read it');
		return async () => {};
	}
	const stop = startOutboxJob(app, {
		name: 'mail delivery',
		intervalMs: options.intervalMs ?? 5_000,
		deliver: (signal) => deliverDueMail(app, transport, { leaseMs: options.leaseMs, signal }),
		isDue: () => outboxDue(app, 'mail_outbox')
	});
	return async () => {
		await stop();
		transport.close();
	};
}
