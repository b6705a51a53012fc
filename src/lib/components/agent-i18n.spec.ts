import { describe, expect, it } from 'vitest';
import { resolveLocale } from './agent-i18n';

describe('the agent app’s language', () => {
	it('is the user’s setting, then the browser’s languages, then the organisation’s default', () => {
		expect(resolveLocale('de', ['es-ES', 'en'], 'fr')).toBe('de');
		expect(resolveLocale(null, ['es-ES', 'en'], 'fr')).toBe('es');
		expect(resolveLocale('', ['nl-NL', 'pt-BR'], 'fr')).toBe('pt');
		// No supported browser language: the organisation's default.
		expect(resolveLocale(null, ['nl-NL', 'ja'], 'it')).toBe('it');
		// A stored value the app does not speak is ignored; nothing known at all: English.
		expect(resolveLocale('xx', ['nl'], null)).toBe('en');
	});
});
