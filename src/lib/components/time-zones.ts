/** The recipient's time zone in the agent app: the choices, the default, and times in a zone. */
import { UTC, zoneLabel } from '../domain/time-zones';
import { intlLocale } from './agent-i18n';

/** The agent's own zone: a new request's default (most recipients are the agent's neighbours). */
export function agentTimeZone(): string {
	return Intl.DateTimeFormat().resolvedOptions().timeZone || UTC;
}

let choices: string[] | undefined;

/** Every zone this browser knows (its list leaves out `UTC`, which it also accepts). */
export function timeZoneChoices(): string[] {
	choices ??= [...new Set([...Intl.supportedValuesOf('timeZone'), UTC])];
	return choices;
}

/** An instant as read in `zone` (null: UTC, as mail writes it), the zone named. */
export function formatInZone(iso: string, zone: string | null): string {
	return new Intl.DateTimeFormat(intlLocale, {
		dateStyle: 'medium',
		timeStyle: 'short',
		timeZone: zone ?? UTC
	}).format(new Date(iso));
}

export { zoneLabel };
