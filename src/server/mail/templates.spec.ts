import { describe, expect, it } from 'vitest';
import { LANGUAGES, type Language } from '../../lib/domain/types';
import { stringsFor } from './strings';
import * as templates from './templates';

const SCHEDULED = Date.parse('2030-03-05T14:30:00.000Z');
const LINK = 'https://support.example.com/s/AbCdEf123';

const endUser = (language: Language): templates.EndUserFacts => ({
	language,
	organization: 'Acme',
	agentName: 'Ann Agent',
	recipientName: 'Rita Recipient',
	link: LINK,
	scheduledAt: SCHEDULED,
	expiresAt: SCHEDULED + 86_400_000,
	timeZone: null
});

const agent = (language: Language): templates.AgentFacts => ({
	language,
	organization: 'Acme',
	agentName: 'Bob Agent',
	recipientName: 'Rita Recipient',
	recipientEmail: 'rita@example.com',
	scheduledAt: SCHEDULED,
	timeZone: null,
	comments: 'Printer on fire\nsince Monday',
	appUrl: 'https://support.example.com/'
});

function everyMail(language: Language) {
	const f = endUser(language);
	return {
		invitation: templates.invitationMail(f, 'attached'),
		invitationUnscheduled: templates.invitationMail({ ...f, scheduledAt: null }, null),
		scheduleChanged: templates.scheduleChangedMail(f, 'attached'),
		unscheduled: templates.scheduleChangedMail({ ...f, scheduledAt: null }, 'cancelled'),
		closedByAgent: templates.closedMail({ ...f, link: null }, 'closed_by_agent', 'cancelled'),
		declined: templates.closedMail({ ...f, link: null }, 'declined_by_user', 'cancelled'),
		completed: templates.closedMail({ ...f, link: null }, 'completed', null),
		expired: templates.expiredMail({ ...f, link: null }, 'cancelled'),
		reminder: templates.reminderMail({ ...f, scheduledAt: SCHEDULED }),
		assigned: templates.assignedMail(agent(language), 'Carol Admin'),
		assignedUnknown: templates.assignedMail(agent(language), null),
		assigneeReminder: templates.assigneeReminderMail({ ...agent(language), scheduledAt: SCHEDULED })
	};
}

describe.each(LANGUAGES)('templates in %s', (language) => {
	const mails = everyMail(language);

	it.each(Object.entries(mails))('%s is complete in both forms', (_name, mail) => {
		for (const part of [mail.subject, mail.text, mail.html]) {
			expect(part).not.toMatch(/\bundefined\b|\bnull\b|\bNaN\b|\[object/);
		}
		expect(mail.subject.trim()).not.toBe('');
		expect(mail.subject).not.toMatch(/[\r\n]/);
		expect(mail.html).toContain(`<html lang="${language}">`);
		// The layout's own attributes are markup; only user text is escaped.
		expect(mail.html).toContain('<table role="presentation" cellpadding="0"');
		expect(mail.html).not.toContain('=&quot;');
		expect(mail.text.endsWith('\n')).toBe(true);
	});

	it('links to the session only while it is live', () => {
		expect(mails.invitation.text).toContain(LINK);
		expect(mails.invitation.html).toContain(`href="${LINK}"`);
		expect(mails.reminder.text).toContain(LINK);
		expect(mails.closedByAgent.text).not.toContain(LINK);
		expect(mails.expired.text).not.toContain(LINK);
	});

	it('is written in the language', () => {
		const t = stringsFor(language);
		expect(mails.invitation.subject).toBe(t.invitation.subject('Ann Agent', 'Acme'));
		expect(mails.invitation.text.startsWith(t.greeting('Rita Recipient'))).toBe(true);
		expect(mails.invitation.text).toContain(t.calendarAttached);
		expect(mails.unscheduled.text).toContain(t.calendarCancelled);
		expect(mails.assigned.text).toContain(t.labels.comments);
		expect(mails.assigned.text).toContain('> Printer on fire\n> since Monday');
	});
});

it('each language says it differently', () => {
	const subjects = LANGUAGES.map((language) => everyMail(language).reminder.subject);
	expect(new Set(subjects).size).toBe(LANGUAGES.length);
	const bodies = LANGUAGES.map((language) => everyMail(language).expired.text);
	expect(new Set(bodies).size).toBe(LANGUAGES.length);
});

it('the end user never sees the agents’ comments', () => {
	const mails = everyMail('en');
	for (const mail of [mails.invitation, mails.reminder, mails.scheduleChanged]) {
		expect(mail.text).not.toContain('Printer on fire');
	}
});

describe('times in the recipient’s zone', () => {
	// 15:00 UTC on a winter day is 10:00 in New York.
	const AT = Date.parse('2030-01-10T15:00:00.000Z');
	const inNewYork = (language: Language) => {
		const f = { ...endUser(language), scheduledAt: AT, timeZone: 'America/New_York' };
		return {
			invitation: templates.invitationMail(f, 'attached'),
			scheduleChanged: templates.scheduleChangedMail(f, 'attached'),
			reminder: templates.reminderMail({ ...f, scheduledAt: AT }),
			assigneeReminder: templates.assigneeReminderMail({
				...agent(language),
				scheduledAt: AT,
				timeZone: 'America/New_York'
			})
		};
	};
	const TIME: Record<Language, string> = {
		en: '10:00 AM EST (America/New York)',
		es: '10:00 GMT-5 (America/New York)',
		de: '10:00 GMT-5 (America/New York)',
		fr: '10:00 UTC−5 (America/New York)',
		pt: '10:00 GMT-5 (America/New York)',
		it: '10:00 GMT-5 (America/New York)'
	};

	it.each(LANGUAGES)(
		'%s: invitations, schedule changes and reminders say 10:00 there',
		(language) => {
			for (const mail of Object.values(inNewYork(language))) {
				expect(mail.text).toContain(TIME[language]);
				expect(mail.html).toContain(TIME[language]);
				expect(mail.text).not.toContain('15:00');
			}
		}
	);

	it('writes the whole sentence as each language does', () => {
		expect(inNewYork('en').invitation.text).toContain(
			'The session is scheduled for Thursday, January 10, 2030 at 10:00 AM EST (America/New York).'
		);
		expect(inNewYork('es').invitation.text).toContain(
			'La sesión está programada para el jueves, 10 de enero de 2030, 10:00 GMT-5 (America/New York).'
		);
		expect(inNewYork('es').reminder.subject).toBe(
			`${stringsFor('es').reminder.subject('jueves, 10 de enero de 2030, 10:00 GMT-5 (America/New York)')}`
		);
	});

	it('a request without a zone keeps UTC', () => {
		const mail = templates.invitationMail(
			{ ...endUser('en'), scheduledAt: AT, timeZone: null },
			null
		);
		expect(mail.text).toContain('Thursday, January 10, 2030 at 3:00 PM UTC.');
	});
});
