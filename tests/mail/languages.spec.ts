/**
 * The invitation in each of the six languages, as it arrives over SMTP: subject and body in the
 * request's language, the time written that language's way (in UTC, named), and a link that
 * opens the request.
 */
import { describe, expect, it } from 'vitest';
import { LANGUAGES, type Language } from '../../src/lib/domain/types';
import { stringsFor } from '../../src/server/mail/strings';
import { DAY, iso, mailWorld, tokenOf, T0 } from './setup';

const SCHEDULED = T0 + DAY; // Tuesday 5 March 2030, 10:00 UTC

/** How each language writes the scheduled time (Intl, UTC). */
const WRITTEN: Record<Language, string> = {
	en: 'Tuesday, March 5, 2030 at 10:00 AM UTC',
	es: 'martes, 5 de marzo de 2030, 10:00 UTC',
	de: 'Dienstag, 5. März 2030 um 10:00 UTC',
	fr: 'mardi 5 mars 2030 à 10:00 UTC',
	pt: 'terça-feira, 5 de março de 2030 às 10:00 UTC',
	it: 'martedì 5 marzo 2030 alle ore 10:00 UTC'
};

describe('invitations in six languages', () => {
	const world = mailWorld();

	it.each(LANGUAGES)('%s', async (language) => {
		await world.admin.mutate('settings.update', { organizationName: 'Acme Support' });
		const created = await world.agent.mutate('requests.create', {
			recipientName: `Recipient ${language}`,
			recipientEmail: `recipient-${language}@example.com`,
			sendEmail: true,
			emailLanguage: language,
			scheduledAt: iso(SCHEDULED)
		});
		const before = world.sink.received.length;
		await world.deliver();
		const [mail] = world.sink.received.slice(before);
		const t = stringsFor(language);
		const agent = world.agentUser.name;

		expect(mail.subject).toBe(t.invitation.subject(agent, 'Acme Support'));
		expect(mail.text).toContain(t.greeting(`Recipient ${language}`));
		expect(mail.text).toContain(t.invitation.scheduled(WRITTEN[language]));
		expect(mail.text).toContain(t.joinButton);
		expect(mail.html).toContain(`<html lang="${language}">`);
		expect(mail.html).toContain(t.invitation.scheduled(WRITTEN[language]));

		// The link in the email opens the request, whose page speaks the same language.
		const link = /https?:\/\/\S+\/s\/[A-Za-z0-9_-]+/.exec(mail.text ?? '')?.[0];
		expect(link).toBe(created.link);
		expect(mail.html).toContain(`href="${link}"`);
		const page = await world.endUser.query('link.get', { token: tokenOf(link!) });
		expect(page).toMatchObject({ status: 'open', language, organization: 'Acme Support' });
	});

	it('says different things in each language', () => {
		const mails = world.sink.received.slice(-LANGUAGES.length);
		expect(new Set(mails.map((m) => m.subject)).size).toBe(LANGUAGES.length);
		expect(new Set(mails.map((m) => m.text)).size).toBe(LANGUAGES.length);
		expect(new Set(Object.values(WRITTEN)).size).toBe(LANGUAGES.length);
	});
});
