import { beforeAll, describe, expect, it } from 'vitest';
import { LANGUAGES } from '../domain/types';
import * as messages from '../paraglide/messages/_index.js';
import { formatWhen, intlLocale, localeOf, preferredLocale, translator } from './i18n';
import { loadMessages } from './message-tables';

describe('link page translations', () => {
	beforeAll(async () => {
		for (const language of LANGUAGES)
			await loadMessages(localeOf(language), 'first', 'app', 'admin', 'link');
	});

	it('has every supported email language, falling back to English', () => {
		for (const language of LANGUAGES) expect(localeOf(language)).toBe(language);
		expect(localeOf('nl')).toBe('en');
		expect(localeOf(null)).toBe('en');
	});

	it('binds messages to the request language', () => {
		expect(translator('es').allow()).toBe('Permitir');
		expect(translator('de').consent_title({ agent: 'Ana' })).toBe(
			'Ana möchte Ihren Bildschirm sehen'
		);
		expect(translator('en').greeting({ name: 'Rosa' })).toBe('Hello Rosa,');
	});

	it('translates every message in every language', () => {
		const english = translator('en');
		for (const language of LANGUAGES.filter((l) => l !== 'en')) {
			const t = translator(language);
			const same = Object.keys(messages).filter(
				(key) =>
					// Words that are the same in some languages ("Code" in German and French, "Account" in
					// Italian, "Notifications" in French).
					![
						'chat_heading',
						'chat_label',
						'security_code_label',
						'security_nav',
						'webhooks_tab',
						'notify_settings_button',
						'notify_settings_title',
						// The agent app's: "Status", "Offline", "Online", "Name", "Admin", "Text" in
						// German; "Agent(s)", "Actions", "Message", "Administration" in French;
						// "Offline"/"Online" in Portuguese and Italian, "Email" and "Password" in Italian.
						'app_status',
						'app_offline',
						'app_online',
						'adm_name',
						'adm_role_admin',
						'adm_status',
						'adm_text',
						'app_agent',
						'app_actions',
						'app_agents',
						'app_chat_message',
						'adm_tabs',
						'adm_role_agent',
						'adm_message_frame',
						'app_email',
						'app_password'
					].includes(key) &&
					(t as any)[key]({ agent: 'A', name: 'N', organization: 'O', when: 'W', zone: 'Z' }) ===
						(english as any)[key]({
							agent: 'A',
							name: 'N',
							organization: 'O',
							when: 'W',
							zone: 'Z'
						})
			);
			expect(same, language).toEqual([]);
		}
	});

	it('picks the visitor language for dead links and their variant for dates', () => {
		expect(preferredLocale(['nl-NL', 'fr-CA', 'en'])).toBe('fr');
		expect(preferredLocale(['nl'])).toBe('en');
		expect(intlLocale('en', ['en-GB', 'en'])).toBe('en-GB');
		expect(intlLocale('es', ['en-GB'])).toBe('es');
		expect(formatWhen('2026-12-01T15:30:00Z', 'en-GB')).toMatch(/2026/);
	});
});
