import { describe, expect, it } from 'vitest';
import { addressOf, domainOf, formatInstant, oneLine } from './format';

const AT = Date.parse('2030-03-04T10:00:00.000Z');

describe('formatInstant', () => {
	it('writes the time as each language does, in UTC, naming the zone', () => {
		expect(formatInstant(AT, 'en')).toBe('Monday, March 4, 2030 at 10:00 AM UTC');
		expect(formatInstant(AT, 'es')).toBe('lunes, 4 de marzo de 2030, 10:00 UTC');
		expect(formatInstant(AT, 'de')).toBe('Montag, 4. März 2030 um 10:00 UTC');
		expect(formatInstant(AT, 'fr')).toBe('lundi 4 mars 2030 à 10:00 UTC');
		expect(formatInstant(AT, 'pt')).toBe('segunda-feira, 4 de março de 2030 às 10:00 UTC');
		expect(formatInstant(AT, 'it')).toBe('lunedì 4 marzo 2030 alle ore 10:00 UTC');
	});

	it("writes the time in the recipient's zone, naming it by abbreviation and by place", () => {
		expect(formatInstant(AT, 'de', 'Europe/Berlin')).toBe(
			'Montag, 4. März 2030 um 11:00 MEZ (Europe/Berlin)'
		);
		// 15:00 UTC is 10:00 in New York (EST, winter).
		const at = Date.parse('2030-01-10T15:00:00.000Z');
		expect(formatInstant(at, 'en', 'America/New_York')).toBe(
			'Thursday, January 10, 2030 at 10:00 AM EST (America/New York)'
		);
		expect(formatInstant(at, 'es', 'America/New_York')).toBe(
			'jueves, 10 de enero de 2030, 10:00 GMT-5 (America/New York)'
		);
		// Summer time: the same zone four hours behind UTC.
		expect(formatInstant(Date.parse('2030-07-10T15:00:00.000Z'), 'en', 'America/New_York')).toBe(
			'Wednesday, July 10, 2030 at 11:00 AM EDT (America/New York)'
		);
	});

	it('writes UTC when the request has no zone, or one this runtime does not know', () => {
		expect(formatInstant(AT, 'en', null)).toBe('Monday, March 4, 2030 at 10:00 AM UTC');
		expect(formatInstant(AT, 'en', 'Mars/Olympus_Mons')).toBe(
			'Monday, March 4, 2030 at 10:00 AM UTC'
		);
	});
});

describe('oneLine', () => {
	it('turns every kind of line break and control character into a space', () => {
		expect(oneLine('Eve\r\nBcc: x@y')).toBe('Eve Bcc: x@y');
		expect(oneLine(' a\rb\nc\u2028d\u2029e\u0000f\tg ')).toBe('a b c d e f g');
	});
});

describe('addresses', () => {
	it('finds the address and its domain in a mailbox', () => {
		expect(addressOf('Beckon <noreply@support.example.com>')).toBe('noreply@support.example.com');
		expect(addressOf('noreply@example.com')).toBe('noreply@example.com');
		expect(domainOf('"Acme, Inc" <help@acme.test>')).toBe('acme.test');
		expect(domainOf('noreply')).toBe('localhost');
	});
});
