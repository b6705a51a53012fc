import { describe, expect, it } from 'vitest';
import { DomainError } from './errors';
import {
	canEdit,
	canRead,
	checkTimes,
	defaultExpiresAt,
	effectiveStatus,
	parseDuration,
	parseInstant,
	toIso
} from './rules';
import { STATUSES, type Permission, type Role } from './types';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = Date.parse('2025-06-01T12:00:00.000Z');

function thrownBy(fn: () => unknown): DomainError {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(DomainError);
		return error as DomainError;
	}
	throw new Error('expected a throw');
}

describe('parseDuration', () => {
	it.each([
		['7d', 7 * DAY],
		['36h', 36 * HOUR],
		['15m', 15 * MINUTE],
		['90s', 90 * SECOND],
		['2w', 14 * DAY],
		['1h30m', 90 * MINUTE],
		['1d12h', 36 * HOUR],
		['  7d  ', 7 * DAY],
		['007d', 7 * DAY]
	])('reads %j as %i ms', (text, ms) => {
		expect(parseDuration(text)).toBe(ms);
	});

	it.each([
		'',
		'   ',
		'7',
		'd',
		'7x',
		'7 d',
		'7D',
		'-1d',
		'+1d',
		'1.5h',
		'0d',
		'0h0m',
		'1h 30m',
		'7days',
		'abc',
		'99999999999999999999w'
	])('rejects %j', (text) => {
		expect(parseDuration(text)).toBeNull();
	});
});

describe('effectiveStatus', () => {
	const expiring = ['open', 'waiting', 'ready'] as const;

	it.each(STATUSES)('keeps %s before its expiry', (status) => {
		expect(effectiveStatus(status, NOW + 1, NOW)).toBe(status);
	});

	it.each(expiring)('reports %s as expired exactly at its expiry', (status) => {
		expect(effectiveStatus(status, NOW, NOW)).toBe('expired');
	});

	it.each(expiring)('reports %s as expired after its expiry', (status) => {
		expect(effectiveStatus(status, NOW - DAY, NOW)).toBe('expired');
	});

	it('never expires a connected session, at or long after its expiry', () => {
		expect(effectiveStatus('connected', NOW, NOW)).toBe('connected');
		expect(effectiveStatus('connected', NOW - 30 * DAY, NOW)).toBe('connected');
	});

	it('keeps a closed request closed after its expiry', () => {
		expect(effectiveStatus('closed', NOW - DAY, NOW)).toBe('closed');
	});

	it('keeps an expired request expired, whatever its expiry says', () => {
		expect(effectiveStatus('expired', NOW - DAY, NOW)).toBe('expired');
		expect(effectiveStatus('expired', NOW + DAY, NOW)).toBe('expired');
	});
});

describe('defaultExpiresAt', () => {
	it('counts the default lifetime from now when the request is not scheduled', () => {
		expect(defaultExpiresAt(NOW, null, 7 * DAY)).toBe(NOW + 7 * DAY);
	});

	it('counts the default lifetime from the scheduled time when there is one', () => {
		const scheduledAt = NOW + 3 * DAY;
		expect(defaultExpiresAt(NOW, scheduledAt, 7 * DAY)).toBe(scheduledAt + 7 * DAY);
	});

	it('always lands after the scheduled time, so checkTimes accepts it', () => {
		const scheduledAt = NOW + 30 * DAY;
		const expiresAt = defaultExpiresAt(NOW, scheduledAt, HOUR);
		expect(() => checkTimes({ scheduledAt, expiresAt }, NOW)).not.toThrow();
	});
});

describe('checkTimes', () => {
	it('accepts an unscheduled request that expires in the future', () => {
		expect(() => checkTimes({ scheduledAt: null, expiresAt: NOW + 1 }, NOW)).not.toThrow();
	});

	it('accepts a future schedule with a later expiry', () => {
		expect(() =>
			checkTimes({ scheduledAt: NOW + HOUR, expiresAt: NOW + 2 * HOUR }, NOW)
		).not.toThrow();
	});

	it.each([
		['in the past', NOW - MINUTE],
		['equal to now', NOW]
	])('rejects a scheduledAt %s, naming scheduledAt', (_label, scheduledAt) => {
		const error = thrownBy(() => checkTimes({ scheduledAt, expiresAt: NOW + DAY }, NOW));
		expect(error.reason).toBe('invalid');
		expect(error.field).toBe('scheduledAt');
		expect(error.message).toMatch(/^scheduledAt: /);
	});

	it.each([
		['before now', NOW - MINUTE],
		['equal to now', NOW]
	])('rejects an expiresAt %s, naming expiresAt', (_label, expiresAt) => {
		const error = thrownBy(() => checkTimes({ scheduledAt: null, expiresAt }, NOW));
		expect(error.reason).toBe('invalid');
		expect(error.field).toBe('expiresAt');
		expect(error.message).toMatch(/^expiresAt: /);
	});

	it.each([
		['before', NOW + HOUR],
		['equal to', NOW + 2 * HOUR]
	])('rejects an expiresAt %s scheduledAt, naming expiresAt', (_label, expiresAt) => {
		const error = thrownBy(() => checkTimes({ scheduledAt: NOW + 2 * HOUR, expiresAt }, NOW));
		expect(error.reason).toBe('invalid');
		expect(error.field).toBe('expiresAt');
		expect(error.message).toMatch(/scheduledAt/);
	});

	it('keeps an unchanged schedule valid after it has passed', () => {
		expect(() =>
			checkTimes({ scheduledAt: NOW - HOUR, expiresAt: NOW + DAY }, NOW, false)
		).not.toThrow();
	});

	it('still rejects a past expiry when the schedule is unchanged', () => {
		const error = thrownBy(() =>
			checkTimes({ scheduledAt: NOW - DAY, expiresAt: NOW - HOUR }, NOW, false)
		);
		expect(error.field).toBe('expiresAt');
	});

	it('still requires the expiry after an unchanged schedule', () => {
		const error = thrownBy(() =>
			checkTimes({ scheduledAt: NOW + 2 * HOUR, expiresAt: NOW + HOUR }, NOW, false)
		);
		expect(error.field).toBe('expiresAt');
	});
});

describe('parseInstant and toIso', () => {
	it('reads an ISO-8601 instant as milliseconds', () => {
		expect(parseInstant('2025-06-01T12:00:00.000Z', 'expiresAt')).toBe(NOW);
		expect(parseInstant('2025-06-01T14:00:00+02:00', 'expiresAt')).toBe(NOW);
	});

	it('rejects text that is not a date, naming the field', () => {
		const error = thrownBy(() => parseInstant('next tuesday', 'scheduledAt'));
		expect(error.reason).toBe('invalid');
		expect(error.field).toBe('scheduledAt');
	});

	it('writes milliseconds as a UTC ISO string and keeps null as null', () => {
		expect(toIso(NOW)).toBe('2025-06-01T12:00:00.000Z');
		expect(toIso(null)).toBeNull();
	});
});

describe.each([
	['admin', 'none', true, true],
	['admin', 'view', true, true],
	['admin', 'edit', true, true],
	['agent', 'none', false, false],
	['agent', 'view', true, false],
	['agent', 'edit', true, true]
] as [Role, Permission, boolean, boolean][])(
	'an %s with permission %s',
	(role, permission, read, edit) => {
		it(`${read ? 'may' : 'may not'} read requests`, () => {
			expect(canRead({ role, permission })).toBe(read);
		});

		it(`${edit ? 'may' : 'may not'} edit requests`, () => {
			expect(canEdit({ role, permission })).toBe(edit);
		});
	}
);
