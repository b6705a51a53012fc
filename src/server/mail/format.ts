/** Text shaping shared by templates, headers and calendar parts. */
import { canonicalTimeZone, UTC, zoneLabel } from '../../lib/domain/time-zones';
import type { Language } from '../../lib/domain/types';

/** Intl locales for each email language. */
export const LOCALES: Record<Language, string> = {
	en: 'en',
	es: 'es',
	de: 'de',
	fr: 'fr',
	pt: 'pt',
	it: 'it'
};

/**
 * An instant as the recipient's language writes it, in the recipient's zone, the zone named: by
 * its abbreviation or offset as that language has it ("EST", "GMT-5"), then by its place name
 * ("(America/New York)"), which every reader can match to their own clock. A request without a
 * zone is written in UTC ("10:00 UTC"), as Beckon always did.
 */
export function formatInstant(ms: number, language: Language, timeZone: string | null = null) {
	// A zone stored under older time-zone data and unknown to this runtime's: UTC, named so.
	const zone = (timeZone && canonicalTimeZone(timeZone)) ?? UTC;
	const text = new Intl.DateTimeFormat(LOCALES[language], {
		weekday: 'long',
		year: 'numeric',
		month: 'long',
		day: 'numeric',
		hour: 'numeric',
		minute: '2-digit',
		timeZone: zone,
		timeZoneName: 'short'
	}).format(ms);
	return zone === UTC ? text : `${text} (${zoneLabel(zone)})`;
}

/**
 * A value that must stay on one line (header fields, names in subjects): line breaks and other
 * control characters become spaces, so user text can never start a header of its own.
 */
export function oneLine(text: string): string {
	return text
		.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ')
		.replace(/\s+/g, ' ')
		.trim();
}

/** The bare address of `Name <address>` or of a bare address. */
export function addressOf(mailbox: string): string {
	const angled = /<([^<>]+)>\s*$/.exec(mailbox);
	return (angled ? angled[1] : mailbox).trim();
}

/** The domain of a mailbox, for Message-IDs and calendar UIDs. */
export function domainOf(mailbox: string): string {
	const address = addressOf(mailbox);
	const at = address.lastIndexOf('@');
	return (at >= 0 && address.slice(at + 1)) || 'localhost';
}
