/** Text shaping shared by templates, headers and calendar parts. */
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
 * An instant as the recipient's language writes it, with the time zone named. We do not know
 * the end user's zone, so mail uses UTC (written "UTC") unless a zone is given.
 */
export function formatInstant(ms: number, language: Language, timeZone = 'UTC'): string {
	return new Intl.DateTimeFormat(LOCALES[language], {
		weekday: 'long',
		year: 'numeric',
		month: 'long',
		day: 'numeric',
		hour: 'numeric',
		minute: '2-digit',
		timeZone,
		timeZoneName: 'short'
	}).format(ms);
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
