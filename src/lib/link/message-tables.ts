/**
 * The messages of one language, loaded before a page shows them (README, Performance rows 7
 * and 14). `scripts/locale-messages-plugin.js` builds a chunk per group and language: `first` (the
 * agent app's first screen: sign-in, the request list, the header), `app` (the rest of the agent
 * app: panes loaded on use, account), `admin` (what only the admin and reports screens say) and
 * `link` (the end user's link and help pages). A route's `load` awaits `loadMessages` for its language and groups; the
 * browser build's message functions then read the loaded tables (`message`), so each page
 * carries its language only. Another language is loaded when the page asks for it (a language
 * change reloads the agent app); the service worker precaches every chunk, so that works offline.
 */
import { loaders } from 'virtual:beckon-messages';
import { baseLocale, type Locale } from '../paraglide/runtime.js';

export type MessageGroup = keyof typeof loaders;
type Table = Record<string, (inputs: object) => string>;

const tables = new Map<Locale, Table>();
const loading = new Map<string, Promise<void>>();

/**
 * Loads the groups' messages of `locale` (once; a failed load is tried again on the next call).
 */
export function loadMessages(locale: Locale, ...groups: MessageGroup[]): Promise<void> {
	return Promise.all(
		groups.map((group) => {
			const id = `${group}/${locale}`;
			let load = loading.get(id);
			if (!load) {
				load = loaders[group][locale]().then(
					(module) => {
						tables.set(locale, { ...tables.get(locale), ...(module as unknown as Table) });
					},
					(error: unknown) => {
						loading.delete(id);
						throw error;
					}
				);
				loading.set(id, load);
			}
			return load;
		})
	).then(() => {});
}

/**
 * A message's text in `locale` from the loaded tables; English, or the key itself, if that
 * language's table has not been loaded (a page that forgot to await `loadMessages`).
 */
export function lookup(key: string, inputs: object, locale: Locale): string {
	const text = tables.get(locale)?.[key] ?? tables.get(baseLocale)?.[key];
	return text ? text(inputs) : key;
}

/** The browser build's stand-in for a Paraglide message module (see the plugin). */
export function message(key: string) {
	return (inputs: object = {}, options: { locale?: Locale } = {}) =>
		lookup(key, inputs, options.locale ?? baseLocale);
}
