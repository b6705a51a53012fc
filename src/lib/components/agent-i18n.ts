/**
 * The agent app's translated strings (Paraglide, messages/*.json) speak the browser's preferred
 * supported language, English otherwise. The privacy screens use them; the app's older screens
 * are still English only. Screens on the requests page import single messages and call them with
 * `{ locale: agentLocale }`, so the page does not load every message; admin screens may bind them
 * all with `translator(agentLocale)` (link/i18n.ts).
 */
import { baseLocale, isLocale, type Locale } from '../paraglide/runtime.js';

function preferred(languages: readonly string[]): Locale {
	for (const tag of languages) {
		const base = tag.split('-')[0]?.toLowerCase();
		if (isLocale(base)) return base;
	}
	return baseLocale;
}

export const agentLocale: Locale = preferred(
	typeof navigator === 'undefined' ? [] : navigator.languages
);
