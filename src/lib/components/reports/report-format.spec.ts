/**
 * The reports page's periods, days and durations: a preset covers its last N local days with
 * today, the API gets the instants of those days' bounds and this device's offset, and every day
 * of the period is listed once.
 */
import { describe, expect, it } from 'vitest';
import { csvQuery, daysBetween, formatDuration, presetDates, rangeOf } from './report-format';

describe('report periods', () => {
	it('covers the last 7, 30 or 90 days, today included', () => {
		const now = new Date(2026, 2, 30, 15, 20); // 30 March, local time
		expect(presetDates('7', now)).toEqual({ fromDate: '2026-03-24', toDate: '2026-03-30' });
		expect(presetDates('30', now)).toEqual({ fromDate: '2026-03-01', toDate: '2026-03-30' });
		expect(presetDates('90', now).fromDate).toBe('2025-12-31');
		expect(daysBetween('2026-03-24', '2026-03-30')).toHaveLength(7);
		expect(daysBetween('2026-02-27', '2026-03-02')).toEqual([
			'2026-02-27',
			'2026-02-28',
			'2026-03-01',
			'2026-03-02'
		]);
	});

	it('gives the API local midnights, the end day included, and the offset', () => {
		const range = rangeOf('2026-03-24', '2026-03-30')!;
		expect(new Date(range.from).getTime()).toBe(new Date(2026, 2, 24).getTime());
		expect(new Date(range.to).getTime()).toBe(new Date(2026, 2, 31).getTime());
		expect(range.days).toBe(7);
		expect(range.utcOffsetMinutes).toBe(-new Date(2026, 2, 24).getTimezoneOffset());
		// One day is a period; an end before the start, or no date, is none.
		expect(rangeOf('2026-03-24', '2026-03-24')!.days).toBe(1);
		expect(rangeOf('2026-03-24', '2026-03-23')).toBeNull();
		expect(rangeOf('', '2026-03-23')).toBeNull();
	});

	it('reads durations in seconds, minutes, hours and days', () => {
		expect(formatDuration(null, 'en')).toBe('—');
		expect(formatDuration(42_000, 'en')).toBe('42 sec');
		expect(formatDuration(5 * 60_000, 'en')).toBe('5 min');
		expect(formatDuration(80 * 60_000, 'en')).toBe('1 hr 20 min');
		expect(formatDuration(4 * 3_600_000, 'en')).toBe('4 hr');
		expect(formatDuration(3 * 86_400_000, 'en')).toBe('3 days');
		expect(formatDuration(5 * 60_000, 'de')).toBe('5 Min.');
	});

	it('writes the CSV query from the summary input, leaving out what is unset', () => {
		expect(
			csvQuery({ from: 'a', to: 'b', agentId: undefined, outcome: '', utcOffsetMinutes: -300 })
		).toBe('from=a&to=b&utcOffsetMinutes=-300');
	});
});
