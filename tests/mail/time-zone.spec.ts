/**
 * Mail in the recipient's time zone: a session at 15:00 UTC for a recipient in New York is
 * written "10:00" with the zone named, in each of the six languages, in the invitation, the
 * schedule change and the reminders as they arrive over SMTP; the calendar part keeps the UTC
 * instant and says the time in the recipient's zone. A request without a zone keeps UTC.
 */
import { describe, expect, it } from 'vitest';
import { LANGUAGES, type Language } from '../../src/lib/domain/types';
import { stringsFor } from '../../src/server/mail/strings';
import { DAY, HOUR, MINUTE, iso, mailWorld, T0 } from './setup';

const AT = T0 + DAY + 5 * HOUR; // Tuesday 5 March 2030, 15:00 UTC: 10:00 in New York (EST)
const ZONE = 'America/New_York';

/** How each language writes 15:00 UTC in New York. */
const WRITTEN: Record<Language, string> = {
	en: 'Tuesday, March 5, 2030 at 10:00 AM EST (America/New York)',
	es: 'martes, 5 de marzo de 2030, 10:00 GMT-5 (America/New York)',
	de: 'Dienstag, 5. März 2030 um 10:00 GMT-5 (America/New York)',
	fr: 'mardi 5 mars 2030 à 10:00 UTC−5 (America/New York)',
	pt: 'terça-feira, 5 de março de 2030 às 10:00 GMT-5 (America/New York)',
	it: 'martedì 5 marzo 2030 alle ore 10:00 GMT-5 (America/New York)'
};

/** Unfolded calendar lines. */
const lines = (ics: string) => ics.replace(/\r\n[ \t]/g, '').split('\r\n');

describe('mail in the recipient’s time zone', () => {
	const world = mailWorld();
	const ids: Partial<Record<Language, string>> = {};

	const create = (language: Language, extra: Record<string, unknown> = {}) =>
		world.agent.mutate('requests.create', {
			recipientName: `Nora ${language}`,
			recipientEmail: `nora-${language}@example.com`,
			sendEmail: true,
			emailLanguage: language,
			scheduledAt: iso(AT),
			timeZone: ZONE,
			...extra
		});

	async function delivered(to: string) {
		const before = world.sink.received.length;
		await world.deliver();
		return world.sink.received.slice(before).filter((m) => m.envelope.to.includes(to));
	}

	it.each(LANGUAGES)('%s: the invitation says 10:00 in New York', async (language) => {
		const created = await create(language);
		ids[language] = created.id;
		const [mail] = await delivered(created.recipientEmail);
		const t = stringsFor(language);
		expect(mail.text).toContain(t.invitation.scheduled(WRITTEN[language]));
		expect(mail.html).toContain(t.invitation.scheduled(WRITTEN[language]));
		expect(mail.text).not.toContain('15:00');

		const row = world.outbox().find((m) => m.requestId === created.id && m.kind === 'invitation');
		const calendar = lines(row?.ics ?? '');
		// The event's start stays the UTC instant, which calendars show in their owner's zone.
		expect(calendar).toContain('DTSTART:20300305T150000Z');
		const description = calendar.find((l) => l.startsWith('DESCRIPTION:')) ?? '';
		expect(description.replace(/\\,/g, ',')).toContain(t.calendar.when(WRITTEN[language]));
	});

	it('a new time is written in the zone too', async () => {
		const id = ids.es!;
		await world.agent.mutate('requests.update', { id, scheduledAt: iso(AT + HOUR) });
		const [mail] = await delivered('nora-es@example.com');
		expect(mail.subject).toBe(
			stringsFor('es').scheduleChanged.subject(
				'martes, 5 de marzo de 2030, 11:00 GMT-5 (America/New York)'
			)
		);
	});

	it('an edit to another zone changes the time the reminder states', async () => {
		const id = ids.en!;
		await world.agent.mutate('requests.update', { id, timeZone: 'Europe/Madrid' });
		world.now = AT - 15 * MINUTE;
		world.remind();
		const mails = await delivered('nora-en@example.com');
		const reminder = mails.find((m) => m.subject?.startsWith('Reminder'));
		expect(reminder?.subject).toBe(
			'Reminder: your support session on Tuesday, March 5, 2030 at 4:00 PM GMT+1 (Europe/Madrid)'
		);
		// The assigned agent's reminder states the time the recipient was told.
		const agentMail = world
			.outbox()
			.find((m) => m.requestId === id && m.kind === 'assignee_reminder');
		expect(agentMail?.text).toContain('4:00 PM GMT+1 (Europe/Madrid)');
		// And the New York requests' reminders say 10:00 there, in their languages.
		const de = world.outbox().find((m) => m.requestId === ids.de && m.kind === 'reminder');
		expect(de?.text).toContain(WRITTEN.de);
	});

	it('a request without a zone keeps UTC', async () => {
		world.now = T0;
		const created = await create('en', { timeZone: undefined, recipientEmail: 'utc@example.com' });
		expect(created.timeZone).toBeNull();
		const [mail] = await delivered('utc@example.com');
		expect(mail.text).toContain('Tuesday, March 5, 2030 at 3:00 PM UTC');
	});
});
