/**
 * The browser loads one language's messages, by group (scripts/locale-messages-plugin.js): every
 * message is in a group, the link page's in `link` without the agent app's, the first screen's
 * in `first` without what the panes loaded on use, account, admin and reports say.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { groupKeys } from '../../scripts/locale-messages-plugin.js';

const keys = Object.keys(JSON.parse(readFileSync('messages/en.json', 'utf8'))).filter(
	(key) => !key.startsWith('$')
);

describe('message groups', () => {
	const groups = groupKeys(process.cwd());

	it('puts every message in a group', () => {
		const grouped = new Set([...groups.first, ...groups.app, ...groups.admin, ...groups.link]);
		expect(keys.filter((key) => !grouped.has(key))).toEqual([]);
	});

	it('gives each page the messages it names', () => {
		for (const key of ['consent_title', 'greeting', 'dead_expired', 'help_submit'])
			expect(groups.link).toContain(key);
		for (const key of ['app_requests_heading', 'app_status_open', 'app_sign_in', 'passkey_sign_in'])
			expect(groups.first).toContain(key);
		// The panes loaded on use (the sign-in's second step among them) and the account screen.
		for (const key of ['app_create_title', 'app_language_heading', 'security_code_heading'])
			expect(groups.app).toContain(key);
		for (const key of ['adm_heading', 'reports_title', 'webhooks_tab'])
			expect(groups.admin).toContain(key);
	});

	it('keeps the other pages’ messages out of the first screen and the link page', () => {
		for (const key of [
			'consent_title',
			'adm_heading',
			'app_create_title',
			'app_language_heading',
			'security_code_heading'
		])
			expect(groups.first).not.toContain(key);
		expect(groups.link).not.toContain('app_requests_heading');
		expect(groups.link).not.toContain('adm_heading');
	});
});
