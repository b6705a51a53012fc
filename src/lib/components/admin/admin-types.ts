import type { Api } from '../../client/api';
import { DomainError } from '../../domain/errors';
import { refusalText } from '../form-errors';
import { t } from './admin-i18n';

type Output<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;

export type AdminUser = Output<Api['users']['list']['query']>[number];
export type AdminQueue = Output<Api['queues']['list']['query']>[number];
export type AdminToken = Output<Api['tokens']['list']['query']>[number];
export type AdminSettings = Output<Api['settings']['get']['query']>;
export type MailSummary = Output<Api['mail']['outbox']['query']>[number];
export type MailMessage = Output<Api['mail']['get']['query']>;
export type WebhookEndpoint = Output<Api['webhooks']['list']['query']>[number];
export type WebhookDeliverySummary = Output<Api['webhooks']['deliveries']['query']>[number];

/** What an admin sees when a call fails: the server's message, or that the network is gone. */
export function failure(error: unknown): string {
	if (typeof navigator !== 'undefined' && !navigator.onLine) {
		return t.adm_offline_needs_network();
	}
	const reason = (error as { data?: { reason?: string } } | null)?.data?.reason;
	return refusalText(
		error instanceof DomainError ? error.reason : reason,
		error instanceof Error ? error.message : String(error)
	);
}
