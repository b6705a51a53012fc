/** Dates and times in the app's language (agent-i18n.ts) and the agent's time zone, with Intl. */
import { intlLocale } from './agent-i18n';

const dateTime = new Intl.DateTimeFormat(intlLocale, { dateStyle: 'medium', timeStyle: 'short' });
const dateTimeZone = new Intl.DateTimeFormat(intlLocale, {
	dateStyle: 'full',
	timeStyle: 'long'
});
const relative = new Intl.RelativeTimeFormat(intlLocale, { numeric: 'auto' });

/** `withZone` spells the day and names the agent's time zone (for titles). */
export function formatDateTime(iso: string | null, withZone = false): string {
	return iso ? (withZone ? dateTimeZone : dateTime).format(new Date(iso)) : '—';
}

const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
	['day', 86_400_000],
	['hour', 3_600_000],
	['minute', 60_000]
];

export function formatRelative(iso: string | null, now: number): string {
	if (!iso) return '—';
	const diff = Date.parse(iso) - now;
	for (const [unit, size] of STEPS) {
		if (Math.abs(diff) >= size) return relative.format(Math.round(diff / size), unit);
	}
	return relative.format(Math.round(diff / 1000), 'second');
}

/** `<input type="datetime-local">` value for an instant, in local time. */
export function toLocalInput(ms: number): string {
	const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
	return d.toISOString().slice(0, 16);
}

export function fromLocalInput(value: string): string | null {
	if (!value) return null;
	const ms = new Date(value).getTime();
	return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
