import { describe, expect, it } from 'vitest';
import type { Status } from '../domain/types';
import { AlertTracker } from './alert-tracker';
import type { LocalRequest } from './db';

const ana = { id: 'ana', queueIds: ['q1'] };
const T = Date.parse('2030-01-01T10:00:00Z');

function row(id: string, over: Partial<LocalRequest> = {}): LocalRequest {
	return {
		id,
		recipientName: `Person ${id} Surname`,
		recipientEmail: null,
		sendEmail: false,
		emailLanguage: 'en',
		comments: '',
		scheduledAt: null,
		expiresAt: new Date(T + 86_400_000).toISOString(),
		assignment: { kind: 'agent', userId: 'ana' },
		status: 'open',
		closedReason: null,
		connectRequested: false,
		endUserSeenAt: null,
		createdBy: 'bo',
		createdAt: new Date(T).toISOString(),
		updatedAt: new Date(T).toISOString(),
		statusChangedAt: new Date(T).toISOString(),
		version: 1,
		link: null,
		anonymizedAt: null,
		assignee: 'agent:ana',
		pending: 0,
		unsynced: false,
		...over
	} as LocalRequest;
}
const statusOf = (r: LocalRequest): Status => r.status;

describe('AlertTracker', () => {
	it('takes what a device holds before its first sync as the baseline, then alerts on changes', () => {
		const tracker = new AlertTracker();
		expect(tracker.observe([row('a')], statusOf, ana, false, T).alerts).toEqual([]);
		// The first sync fills the device: still not news.
		expect(tracker.observe([row('a'), row('b')], statusOf, ana, true, T).alerts).toEqual([]);
		const { alerts, waiting } = tracker.observe(
			[
				row('a', { status: 'waiting' }),
				row('b'),
				row('c', { assignment: { kind: 'queue', queueId: 'q1' } })
			],
			statusOf,
			ana,
			true,
			T
		);
		expect(alerts.map((a) => [a.requestId, a.kind, a.firstName])).toEqual([
			['a', 'waiting', 'Person'],
			['c', 'queued', 'Person']
		]);
		expect(waiting).toBe(1);
	});

	it('ignores the agent’s own pending changes and other agents’ requests', () => {
		const tracker = new AlertTracker();
		tracker.observe(
			[row('a'), row('b', { assignment: { kind: 'agent', userId: 'bo' } })],
			statusOf,
			ana,
			true,
			T
		);
		const { alerts, waiting } = tracker.observe(
			[
				row('a', { assignment: { kind: 'queue', queueId: 'q1' }, pending: 1 }),
				row('b', { assignment: { kind: 'agent', userId: 'bo' }, status: 'ready' })
			],
			statusOf,
			ana,
			true,
			T
		);
		expect(alerts).toEqual([]);
		expect(waiting).toBe(0);
	});

	it('announces a scheduled session once, when its time comes', () => {
		const tracker = new AlertTracker();
		const scheduled = row('s', { scheduledAt: new Date(T + 60_000).toISOString() });
		tracker.observe([scheduled], statusOf, ana, true, T);
		expect(tracker.observe([scheduled], statusOf, ana, true, T + 30_000).alerts).toEqual([]);
		expect(
			tracker.observe([scheduled], statusOf, ana, true, T + 75_000).alerts.map((a) => a.kind)
		).toEqual(['due']);
		expect(tracker.observe([scheduled], statusOf, ana, true, T + 90_000).alerts).toEqual([]);
	});
});
