import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ADMIN_PASSWORD = 'Tr0ub4dor&3-never-print-me';

function configError(env: Record<string, string | undefined>): ConfigError {
	try {
		loadConfig(env);
	} catch (error) {
		expect(error).toBeInstanceOf(ConfigError);
		return error as ConfigError;
	}
	throw new Error(`expected ${JSON.stringify(Object.keys(env))} to be rejected`);
}

describe('loadConfig with an empty environment', () => {
	const config = loadConfig({});

	it('listens on 127.0.0.1:3000', () => {
		expect(config.port).toBe(3000);
		expect(config.host).toBe('127.0.0.1');
	});

	it('builds links on http://127.0.0.1:3000', () => {
		expect(config.publicUrl).toBe('http://127.0.0.1:3000');
	});

	it('gives new requests 7 days and sends reminders 15 minutes ahead', () => {
		expect(config.defaultExpiryMs).toBe(7 * DAY);
		expect(config.reminderLeadMs).toBe(15 * MINUTE);
	});

	it('keeps the database in ./data', () => {
		expect(config.dataDir).toBe(resolve('./data'));
		expect(config.databaseFile).toBe(resolve('./data', 'beckon.db'));
	});

	it('creates no admin and keeps mail in the outbox', () => {
		expect(config.admin).toBeNull();
		expect(config.smtpUrl).toBeNull();
		expect(config.mailFrom).toBe('Beckon <noreply@127.0.0.1>');
	});

	it('writes email in English', () => {
		expect(config.defaultLanguage).toBe('en');
	});
});

describe('loadConfig with values set', () => {
	it('derives the public URL from PORT and HOST', () => {
		expect(loadConfig({ PORT: '8080', HOST: 'beckon.lan' }).publicUrl).toBe(
			'http://beckon.lan:8080'
		);
	});

	it.each(['0.0.0.0', '::'])('shows localhost in links when listening on %s', (HOST) => {
		const config = loadConfig({ HOST, PORT: '4000' });
		expect(config.host).toBe(HOST);
		expect(config.publicUrl).toBe('http://localhost:4000');
	});

	it('uses BECKON_PUBLIC_URL without its trailing slash, and its host for the sender', () => {
		const config = loadConfig({ BECKON_PUBLIC_URL: 'https://support.example.com/' });
		expect(config.publicUrl).toBe('https://support.example.com');
		expect(config.mailFrom).toBe('Beckon <noreply@support.example.com>');
	});

	it('reads durations, the data folder, mail settings and the language', () => {
		const config = loadConfig({
			BECKON_DEFAULT_EXPIRY: '36h',
			BECKON_REMINDER_LEAD: '1h30m',
			BECKON_DATA_DIR: '/var/lib/beckon',
			BECKON_SMTP_URL: 'smtps://user:pass@mail.example.com:465',
			BECKON_MAIL_FROM: 'Help <help@example.com>',
			BECKON_DEFAULT_LANGUAGE: 'de'
		});
		expect(config.defaultExpiryMs).toBe(36 * HOUR);
		expect(config.reminderLeadMs).toBe(90 * MINUTE);
		expect(config.databaseFile).toBe('/var/lib/beckon/beckon.db');
		expect(config.smtpUrl).toBe('smtps://user:pass@mail.example.com:465');
		expect(config.mailFrom).toBe('Help <help@example.com>');
		expect(config.defaultLanguage).toBe('de');
	});

	it('creates an admin when both admin variables are set', () => {
		const config = loadConfig({
			BECKON_ADMIN_EMAIL: 'admin@example.com',
			BECKON_ADMIN_PASSWORD: ADMIN_PASSWORD
		});
		expect(config.admin).toEqual({ email: 'admin@example.com', password: ADMIN_PASSWORD });
	});

	it('treats an empty value as unset, as .env files often leave them', () => {
		const config = loadConfig({ PORT: '', BECKON_SMTP_URL: '', BECKON_REMINDER_LEAD: '' });
		expect(config.port).toBe(3000);
		expect(config.smtpUrl).toBeNull();
		expect(config.reminderLeadMs).toBe(15 * MINUTE);
	});
});

describe('loadConfig with a bad value', () => {
	it.each([
		['PORT', { PORT: 'abc' }],
		['PORT', { PORT: '70000' }],
		['PORT', { PORT: '-1' }],
		['PORT', { PORT: '80.5' }],
		['PORT', { PORT: '  ' }],
		['BECKON_PUBLIC_URL', { BECKON_PUBLIC_URL: 'notaurl' }],
		['BECKON_PUBLIC_URL', { BECKON_PUBLIC_URL: 'ftp://files.example.com' }],
		['BECKON_DEFAULT_EXPIRY', { BECKON_DEFAULT_EXPIRY: '7x' }],
		['BECKON_DEFAULT_EXPIRY', { BECKON_DEFAULT_EXPIRY: '0d' }],
		['BECKON_REMINDER_LEAD', { BECKON_REMINDER_LEAD: '   ' }],
		['BECKON_REMINDER_LEAD', { BECKON_REMINDER_LEAD: 'soon' }],
		['BECKON_SMTP_URL', { BECKON_SMTP_URL: 'http://x' }],
		['BECKON_ADMIN_EMAIL', { BECKON_ADMIN_EMAIL: 'admin', BECKON_ADMIN_PASSWORD: ADMIN_PASSWORD }],
		['BECKON_ADMIN_PASSWORD', { BECKON_ADMIN_EMAIL: 'admin@example.com' }],
		['BECKON_ADMIN_EMAIL', { BECKON_ADMIN_PASSWORD: ADMIN_PASSWORD }],
		[
			'BECKON_ADMIN_PASSWORD',
			{ BECKON_ADMIN_EMAIL: 'admin@example.com', BECKON_ADMIN_PASSWORD: 'hunter2' }
		],
		[
			'BECKON_ADMIN_PASSWORD',
			{ BECKON_ADMIN_EMAIL: 'admin@example.com', BECKON_ADMIN_PASSWORD: 'p'.repeat(257) }
		],
		['BECKON_DEFAULT_LANGUAGE', { BECKON_DEFAULT_LANGUAGE: 'klingon' }]
	] as [string, Record<string, string>][])(
		'stops with one line naming %s for %j',
		(variable, env) => {
			const error = configError(env);
			expect(error.variable).toBe(variable);
			expect(error.message).not.toContain('\n');
			expect(error.message).toMatch(new RegExp(`^Invalid configuration: ${variable} \\S`));
		}
	);

	it('shows the rejected value of a variable that is not secret', () => {
		expect(configError({ PORT: 'abc' }).message).toContain('"abc"');
	});

	it('does not show the value of a bad SMTP URL, which may hold a password', () => {
		const message = configError({ BECKON_SMTP_URL: 'http://user:smtp-secret@x' }).message;
		expect(message).not.toContain('smtp-secret');
	});

	it.each([
		['too short', { BECKON_ADMIN_EMAIL: 'admin@example.com', BECKON_ADMIN_PASSWORD: 'hunter2' }],
		[
			'too long',
			{ BECKON_ADMIN_EMAIL: 'admin@example.com', BECKON_ADMIN_PASSWORD: 'secret'.repeat(50) }
		],
		['set without an email', { BECKON_ADMIN_PASSWORD: ADMIN_PASSWORD }],
		[
			'set with a bad email',
			{ BECKON_ADMIN_EMAIL: 'admin', BECKON_ADMIN_PASSWORD: ADMIN_PASSWORD }
		],
		['set beside a bad port', { PORT: 'abc', BECKON_ADMIN_PASSWORD: ADMIN_PASSWORD }]
	] as [string, Record<string, string>][])(
		'never shows the admin password when it is %s',
		(_label, env) => {
			const message = configError(env).message;
			expect(message).not.toContain(env.BECKON_ADMIN_PASSWORD);
			expect(message).not.toContain(env.BECKON_ADMIN_PASSWORD.slice(0, 6));
		}
	);
});
