import { describe, expect, it } from 'vitest';
import {
	isDueForAnonymization,
	normalizeEmail,
	retentionCutoff,
	withoutPersonalData
} from './privacy';
import { EVENT_TYPES } from './types';

const DAY = 86_400_000;
const NOW = Date.parse('2030-06-01T12:00:00.000Z');

describe('retention', () => {
	const request = (status: 'open' | 'connected' | 'closed' | 'expired', ageDays: number) => ({
		status,
		statusChangedAt: NOW - ageDays * DAY,
		anonymizedAt: null as number | null
	});

	it('is due for terminal requests terminal for the whole period, counted inclusively', () => {
		expect(retentionCutoff(NOW, 30)).toBe(NOW - 30 * DAY);
		expect(isDueForAnonymization(request('closed', 30), 30, NOW)).toBe(true);
		expect(isDueForAnonymization(request('expired', 31), 30, NOW)).toBe(true);
		expect(isDueForAnonymization(request('closed', 29.99), 30, NOW)).toBe(false);
	});

	it('never touches live requests, anonymised ones, or anything while it is off', () => {
		expect(isDueForAnonymization(request('open', 400), 30, NOW)).toBe(false);
		expect(isDueForAnonymization(request('connected', 400), 30, NOW)).toBe(false);
		expect(isDueForAnonymization({ ...request('closed', 400), anonymizedAt: NOW }, 30, NOW)).toBe(
			false
		);
		expect(isDueForAnonymization(request('closed', 4000), null, NOW)).toBe(false);
	});
});

describe('withoutPersonalData', () => {
	it('drops the address from mail events and keeps their kind and counts', () => {
		const data = { mailId: 'm1', kind: 'invitation', to: 'ada@example.com', attempts: 2 };
		expect(withoutPersonalData('email_sent', data)).toEqual({
			mailId: 'm1',
			kind: 'invitation',
			attempts: 2
		});
		expect(
			withoutPersonalData('email_failed', { ...data, error: '550 <ada@example.com> unknown' })
		).toEqual({ mailId: 'm1', kind: 'invitation', attempts: 2 });
	});

	it('keeps assignments, field names and times, which say nothing about the person', () => {
		const assigned = { from: { kind: 'unassigned' }, to: { kind: 'agent', userId: 'u1' } };
		expect(withoutPersonalData('assigned', assigned)).toEqual(assigned);
		expect(withoutPersonalData('updated', { fields: ['comments'] })).toEqual({
			fields: ['comments']
		});
		expect(withoutPersonalData('expired', { expiresAt: '2030-01-01T00:00:00.000Z' })).toEqual({
			expiresAt: '2030-01-01T00:00:00.000Z'
		});
	});

	it('drops keys it does not know, on every event type', () => {
		for (const type of EVENT_TYPES) {
			expect(withoutPersonalData(type, { recipientName: 'Ada', note: 'ada@example.com' })).toEqual(
				{}
			);
		}
	});
});

describe('normalizeEmail', () => {
	it('ignores case and surrounding spaces', () => {
		expect(normalizeEmail('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com');
	});
});
