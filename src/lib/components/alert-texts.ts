/**
 * What an alert says, in the agent's language: the toast's text, and the system notification's
 * title and body — the same words whether the page shows it or the service worker does (from a
 * push, with the app closed). Single messages are imported so neither loads the others.
 */
import { ALERT_KINDS, type AlertKind } from '../domain/alerts';
import type { Locale } from '../paraglide/runtime.js';
import { notify_assigned } from '../paraglide/messages/notify_assigned.js';
import { notify_declined } from '../paraglide/messages/notify_declined.js';
import { notify_due } from '../paraglide/messages/notify_due.js';
import { notify_open_hint } from '../paraglide/messages/notify_open_hint.js';
import { notify_queued } from '../paraglide/messages/notify_queued.js';
import { notify_ready } from '../paraglide/messages/notify_ready.js';
import { notify_someone } from '../paraglide/messages/notify_someone.js';
import { notify_waiting } from '../paraglide/messages/notify_waiting.js';

const TEXTS = {
	waiting: notify_waiting,
	ready: notify_ready,
	declined: notify_declined,
	assigned: notify_assigned,
	queued: notify_queued,
	due: notify_due
} satisfies Record<AlertKind, unknown>;

/** The alert's one line, naming the end user by first name. */
export function alertText(kind: AlertKind, firstName: string, locale: Locale): string {
	const name = firstName.trim() || notify_someone({}, { locale });
	return TEXTS[kind]({ name }, { locale });
}

/** A system notification: its title is the alert, its body says what a click does. */
export function alertNotification(kind: AlertKind, firstName: string, locale: Locale) {
	return { title: alertText(kind, firstName, locale), body: notify_open_hint({}, { locale }) };
}

export type { AlertKind };

/** Whether `value` (from a push payload) names an alert this app knows how to say. */
export function isAlertKind(value: unknown): value is AlertKind {
	return (ALERT_KINDS as readonly unknown[]).includes(value);
}
