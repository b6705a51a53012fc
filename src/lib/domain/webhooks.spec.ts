import { describe, expect, it } from 'vitest';
import { retryAfterMs, webhookEventsOf, webhookRetryDelay } from './webhooks';

describe('webhookEventsOf', () => {
	it('names the timeline event, then the status change and the session’s start or end', () => {
		expect(webhookEventsOf({ event: 'created', from: 'open', to: 'open' })).toEqual([
			'request.created'
		]);
		expect(webhookEventsOf({ event: 'taken', from: 'open', to: 'open' })).toEqual([
			'request.assigned'
		]);
		expect(webhookEventsOf({ event: 'link_opened', from: 'open', to: 'waiting' })).toEqual([
			'request.status_changed'
		]);
		expect(webhookEventsOf({ event: 'session_started', from: 'ready', to: 'connected' })).toEqual([
			'request.status_changed',
			'session.started'
		]);
		expect(webhookEventsOf({ event: 'closed', from: 'connected', to: 'closed' })).toEqual([
			'request.status_changed',
			'session.ended'
		]);
		expect(webhookEventsOf({ event: 'reopened', from: 'expired', to: 'open' })).toEqual([
			'request.reopened',
			'request.status_changed'
		]);
		expect(webhookEventsOf({ event: 'email_failed', from: 'open', to: 'open' })).toEqual([
			'email.failed'
		]);
		expect(webhookEventsOf({ event: 'email_sent', from: 'open', to: 'open' })).toEqual([]);
		expect(webhookEventsOf({ event: null, from: 'waiting', to: 'waiting' })).toEqual([]);
	});
});

describe('webhookRetryDelay', () => {
	it('doubles from 10 s up to 12 h, with a jitter of ±25%', () => {
		expect(webhookRetryDelay(1, 0.5)).toBe(10_000);
		expect(webhookRetryDelay(2, 0.5)).toBe(20_000);
		expect(webhookRetryDelay(1, 0)).toBe(7_500);
		expect(webhookRetryDelay(1, 0.999999)).toBeLessThanOrEqual(12_500);
		expect(webhookRetryDelay(30, 0.5)).toBe(12 * 3_600_000);
	});
});

describe('retryAfterMs', () => {
	const now = Date.parse('2031-01-01T00:00:00Z');
	it('reads seconds and HTTP dates, at least a second', () => {
		expect(retryAfterMs('120', now)).toBe(120_000);
		expect(retryAfterMs('0', now)).toBe(1_000);
		expect(retryAfterMs('Wed, 01 Jan 2031 00:05:00 GMT', now)).toBe(300_000);
		expect(retryAfterMs('soon', now)).toBeNull();
		expect(retryAfterMs(null, now)).toBeNull();
	});
});
