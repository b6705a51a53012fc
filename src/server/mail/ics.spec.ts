import { describe, expect, it } from 'vitest';
import { sessionCalendar, type SessionEvent } from './ics';

const EVENT: SessionEvent = {
	method: 'REQUEST',
	requestId: '0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
	sequence: 7,
	start: Date.parse('2030-03-05T14:30:00.000Z'),
	timeZone: null,
	stamp: Date.parse('2030-03-04T10:00:00.000Z'),
	language: 'fr',
	agentName: 'Ann',
	organization: 'Acme; Inc, "Ltd"',
	link: 'https://support.example.com/s/abc',
	organizer: { name: 'Ann "the" Agent', email: 'noreply@support.example.com' },
	attendee: { name: 'Eve\r\nBcc: x@y', email: 'eve@example.com' }
};

/** Unfolded content lines. */
const lines = (ics: string) => ics.replace(/\r\n[ \t]/g, '').split('\r\n');

describe('sessionCalendar', () => {
	it('is an iTIP request for one event with a stable UID', () => {
		const { method, content } = sessionCalendar(EVENT);
		expect(method).toBe('REQUEST');
		const all = lines(content);
		expect(all).toEqual(
			expect.arrayContaining([
				'BEGIN:VCALENDAR',
				'METHOD:REQUEST',
				'UID:0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b@beckon',
				'SEQUENCE:7',
				'DTSTAMP:20300304T100000Z',
				'DTSTART:20300305T143000Z',
				'DTEND:20300305T150000Z',
				'STATUS:CONFIRMED',
				'END:VCALENDAR'
			])
		);
		expect(all.filter((l) => l === 'BEGIN:VEVENT')).toHaveLength(1);
		expect(content.split('\r\n').every((l) => Buffer.byteLength(l) <= 75)).toBe(true);
	});

	it('cancels with the same UID', () => {
		const { method, content } = sessionCalendar({ ...EVENT, method: 'CANCEL', sequence: 9 });
		expect(method).toBe('CANCEL');
		expect(lines(content)).toEqual(
			expect.arrayContaining([
				'METHOD:CANCEL',
				'UID:0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b@beckon',
				'SEQUENCE:9',
				'STATUS:CANCELLED'
			])
		);
	});

	it('keeps user text inside its property', () => {
		const all = lines(sessionCalendar(EVENT).content);
		// Text values are escaped, parameter values lose quotes and line breaks.
		expect(all).toContain('SUMMARY:Session d’assistance avec Ann (Acme\\; Inc\\, "Ltd")');
		expect(all.find((l) => l.startsWith('ORGANIZER'))).toBe(
			`ORGANIZER;CN="Ann 'the' Agent":mailto:noreply@support.example.com`
		);
		const attendee = all.find((l) => l.startsWith('ATTENDEE')) ?? '';
		expect(attendee).toContain('CN="Eve Bcc: x@y"');
		expect(all.some((l) => /^bcc/i.test(l))).toBe(false);
	});

	it("keeps the start a UTC instant and says it in the recipient's zone", () => {
		const event = { ...EVENT, language: 'en' as const, timeZone: 'America/New_York' };
		const all = lines(sessionCalendar(event).content);
		expect(all).toContain('DTSTART:20300305T143000Z');
		const description = all.find((l) => l.startsWith('DESCRIPTION:')) ?? '';
		expect(description).toContain(
			'Scheduled for Tuesday\\, March 5\\, 2030 at 9:30 AM EST (America/New York).'
		);
		expect(description).toContain('Join the session: https://support.example.com/s/abc');
	});
});
