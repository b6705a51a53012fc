/**
 * Everything an email says, per language. Each language file fills this interface completely
 * (TypeScript checks it), so no email can fall back to half-English.
 */
import type { ClosedReason, Language } from '../../../lib/domain/types';
import { de } from './de';
import { en } from './en';
import { es } from './es';
import { fr } from './fr';
import { it } from './it';
import { pt } from './pt';

export interface MailStrings {
	greeting(name: string): string;
	/** The closing line of every email. */
	footer(org: string): string;
	joinButton: string;
	linkFallback: string;
	validUntil(when: string): string;
	noInstall: string;
	ignore: string;
	calendarAttached: string;
	calendarCancelled: string;
	stillNeedHelp(org: string): string;
	invitation: {
		subject(agent: string, org: string): string;
		intro(agent: string, org: string): string;
		scheduled(when: string): string;
		unscheduled(agent: string): string;
	};
	scheduleChanged: {
		subject(when: string): string;
		subjectUnscheduled: string;
		intro(agent: string, when: string): string;
		introUnscheduled(agent: string): string;
	};
	closed: {
		subject: Record<ClosedReason, string>;
		body: Record<ClosedReason, (agent: string, org: string) => string>;
	};
	expired: { subject: string; body(agent: string, org: string): string };
	reminder: {
		subject(when: string): string;
		body(agent: string, org: string, when: string): string;
	};
	/** Emails to agents (in the organisation's default language). */
	assigned: { subject(name: string): string; intro(by: string | null, name: string): string };
	assigneeReminder: {
		subject(name: string, when: string): string;
		intro(name: string, when: string): string;
	};
	/** To every admin: a webhook endpoint was turned off (a 410 answer, or failing for days). */
	webhookDisabled: {
		subject(url: string): string;
		gone(url: string): string;
		failing(url: string): string;
		lastError: string;
		action: string;
	};
	labels: {
		recipient: string;
		email: string;
		scheduled: string;
		notScheduled: string;
		comments: string;
		/** The note a transfer carries for its receiver. */
		transferNote: string;
		openApp: string;
	};
	calendar: {
		summary(agent: string, org: string): string;
		description(link: string): string;
		/** The start as the recipient reads it (the event's own times stay UTC instants). */
		when(when: string): string;
	};
}

const STRINGS: Record<Language, MailStrings> = { en, es, de, fr, pt, it };

export function stringsFor(language: Language): MailStrings {
	return STRINGS[language];
}
