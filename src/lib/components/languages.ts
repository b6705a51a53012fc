import type { Language } from '../domain/types';

/** Each language in its own name, as the recipient would look for it. */
export const LANGUAGE_NAMES: Record<Language, string> = {
	en: 'English',
	es: 'Español',
	de: 'Deutsch',
	fr: 'Français',
	pt: 'Português',
	it: 'Italiano'
};
