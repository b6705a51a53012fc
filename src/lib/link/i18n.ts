/**
 * The link page speaks the request's language (Paraglide messages in messages/{locale}.json),
 * falling back to English. Each message is called with the locale explicitly, so nothing global
 * (cookie, URL) decides it and the agent app is untouched. The texts come from the tables of
 * `message-tables.ts`: a page awaits `loadMessages` for its language before it translates.
 */
import type * as messages from '../paraglide/messages/_index.js';
import { baseLocale, isLocale, type Locale } from '../paraglide/runtime.js';
import { lookup } from './message-tables';

type Messages = typeof messages;
type InputsOf<K extends keyof Messages> = Parameters<Messages[K]>[0];
/** Every message bound to one locale; inputs may be left out where a message has none. */
export type Translate = {
	[K in keyof Messages]: object extends InputsOf<K>
		? (inputs?: InputsOf<K>) => string
		: (inputs: InputsOf<K>) => string;
};

export function localeOf(language: string | null | undefined): Locale {
	return language && isLocale(language) ? language : baseLocale;
}

/** The visitor's preferred supported language, for pages where the request's is unknown. */
export function preferredLocale(languages: readonly string[]): Locale {
	for (const tag of languages) {
		const base = tag.split('-')[0]?.toLowerCase();
		if (isLocale(base)) return base;
	}
	return baseLocale;
}

/**
 * Every message, bound to `locale`, read from the loaded tables (no message module is imported,
 * so a page carries only the tables it loads).
 */
export function translator(locale: Locale): Translate {
	return new Proxy({} as Translate, {
		get: (_, key) =>
			typeof key === 'string' ? (inputs?: object) => lookup(key, inputs ?? {}, locale) : undefined
	});
}

/**
 * The Intl locale for dates: the visitor's own variant of the page language when they have one
 * (en-GB rather than en), else the language itself.
 */
export function intlLocale(locale: Locale, languages: readonly string[]): string {
	return languages.find((tag) => tag.split('-')[0]?.toLowerCase() === locale) ?? locale;
}

export function formatWhen(iso: string, intl: string): string {
	return new Intl.DateTimeFormat(intl, { dateStyle: 'full', timeStyle: 'short' }).format(
		new Date(iso)
	);
}

export function timeZone(): string {
	return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
