/**
 * The agent app's language. Resolution order: the user's own setting (account screen, synced
 * with the server and kept on this device), then the browser's preferred supported language,
 * then the organisation's default language (admin settings); English when none is known.
 *
 * The language is fixed for a page load: `agentLocale` is read once, from this device's storage
 * (so it works offline). When the server says the user's setting or the organisation's default
 * changed, `rememberLanguage` stores it and the app reloads in the new language.
 *
 * Screens on the requests page import single messages and bind them to `agentLocale` with
 * `bindMessage` (app-i18n.ts), so the page does not load every message; admin screens may bind
 * them all with `translator(agentLocale)` (link/i18n.ts).
 */
import { baseLocale, isLocale, type Locale } from '../paraglide/runtime.js';

/** localStorage keys: the user's chosen language ('' = browser default) and the org's default. */
export const LANGUAGE_KEY = 'beckon.language';
export const ORG_LANGUAGE_KEY = 'beckon.orgLanguage';
/** Cache Storage entry the service worker reads, as it has no localStorage. */
export const LANGUAGE_CACHE = 'beckon-preferences';
export const LANGUAGE_CACHE_URL = '/__beckon/language';

function fromBrowser(languages: readonly string[]): Locale | null {
	for (const tag of languages) {
		const base = tag.split('-')[0]?.toLowerCase();
		if (isLocale(base)) return base;
	}
	return null;
}

/** The language to speak: the user's setting, the browser's languages, the org's default. */
export function resolveLocale(
	chosen: string | null | undefined,
	languages: readonly string[],
	orgDefault: string | null | undefined
): Locale {
	if (chosen && isLocale(chosen)) return chosen;
	const browser = fromBrowser(languages);
	if (browser) return browser;
	if (orgDefault && isLocale(orgDefault)) return orgDefault;
	return baseLocale;
}

function stored(key: string): string | null {
	try {
		return typeof localStorage === 'undefined' ? null : localStorage.getItem(key);
	} catch {
		return null;
	}
}

export const agentLocale: Locale = resolveLocale(
	stored(LANGUAGE_KEY),
	typeof navigator === 'undefined' ? [] : navigator.languages,
	stored(ORG_LANGUAGE_KEY)
);

/**
 * Keeps the user's language (null: follow the browser) and the organisation's default on this
 * device and tells the service worker. Returns whether the app now speaks another language than
 * this page load does (the caller reloads).
 */
export function rememberLanguage(chosen: string | null, orgDefault: string | null): boolean {
	try {
		localStorage.setItem(LANGUAGE_KEY, chosen ?? '');
		if (orgDefault) localStorage.setItem(ORG_LANGUAGE_KEY, orgDefault);
	} catch {
		// Private mode without storage: nothing would survive a reload, so none is asked for.
		return false;
	}
	const next = resolveLocale(chosen, navigator.languages, orgDefault);
	if (typeof caches !== 'undefined') {
		caches
			.open(LANGUAGE_CACHE)
			.then((cache) => cache.put(LANGUAGE_CACHE_URL, new Response(next)))
			.catch(() => {});
	}
	return next !== agentLocale;
}

/** Dates, times and relative times in the app's language (Intl), in the agent's time zone. */
export const intlLocale: string = (() => {
	if (typeof navigator === 'undefined') return agentLocale;
	// The browser's own variant of the language when it has one (en-GB writes 24-hour times).
	const variant = navigator.languages.find(
		(tag) => tag.split('-')[0]?.toLowerCase() === agentLocale
	);
	return variant ?? agentLocale;
})();

type Message<I> = (inputs: I, options: { locale: Locale }) => string;

/**
 * One Paraglide message spoken in `agentLocale`, called as `bindMessage(app_me)()` or with its
 * inputs; the *-i18n.ts files bind the single messages they import with it.
 */
export const bindMessage =
	<I extends object>(message: Message<I>) =>
	(...inputs: object extends I ? [I?] : [I]) =>
		message((inputs[0] ?? {}) as I, { locale: agentLocale });
