import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isOpenAt, leadingZeroBits, powInput } from '../domain/help';
import { solveChallenge } from './help-pow';

describe("the help page's proof of work", () => {
	it('counts leading zero bits', () => {
		expect(leadingZeroBits(new Uint8Array([0, 0, 0x80]))).toBe(16);
		expect(leadingZeroBits(new Uint8Array([0, 0x0f]))).toBe(12);
		expect(leadingZeroBits(new Uint8Array([0xff]))).toBe(0);
		expect(leadingZeroBits(new Uint8Array([0, 0]))).toBe(16);
	});

	it('finds a solution the server accepts (one SHA-256 with the zero bits)', async () => {
		const challenge = '1800000000000.10.bm9uY2U.bWFj';
		const solution = await solveChallenge(challenge, 10);
		const digest = createHash('sha256').update(powInput(challenge, solution)).digest();
		expect(leadingZeroBits(digest)).toBeGreaterThanOrEqual(10);
	});

	it('reads opening hours in their time zone', () => {
		const hours = {
			timeZone: 'America/New_York',
			days: [1, 2, 3, 4, 5],
			from: '09:00',
			to: '17:00'
		};
		// Monday 2026-11-30 14:00 UTC is 09:00 in New York: open; 13:59 UTC is 08:59: closed.
		expect(isOpenAt(hours, Date.parse('2026-11-30T14:00:00Z'))).toBe(true);
		expect(isOpenAt(hours, Date.parse('2026-11-30T13:59:00Z'))).toBe(false);
		// Saturday: closed all day; no hours: always open.
		expect(isOpenAt(hours, Date.parse('2026-12-05T16:00:00Z'))).toBe(false);
		expect(isOpenAt(null, Date.parse('2026-12-05T16:00:00Z'))).toBe(true);
	});
});
