import { describe, expect, it } from 'vitest';
import { alertOf, countWaitingOn, firstNameOf, isResponsible, type AlertFacts } from './alerts';

const unassigned = { kind: 'unassigned' } as const;
const toAna = { kind: 'agent', userId: 'ana' } as const;
const toBo = { kind: 'agent', userId: 'bo' } as const;
const toQueue = { kind: 'queue', queueId: 'q1' } as const;
const facts = (over: Partial<AlertFacts> = {}): AlertFacts => ({
	status: 'open',
	closedReason: null,
	assignment: unassigned,
	reminderSentAt: null,
	...over
});

describe('alertOf', () => {
	it('names the end user’s moves', () => {
		expect(alertOf(facts(), facts({ status: 'waiting' }))).toBe('waiting');
		expect(alertOf(facts({ status: 'waiting' }), facts({ status: 'ready' }))).toBe('ready');
		expect(
			alertOf(
				facts({ status: 'waiting' }),
				facts({ status: 'closed', closedReason: 'declined_by_user' })
			)
		).toBe('declined');
	});

	it('stays quiet for changes nobody has to act on', () => {
		expect(alertOf(facts({ status: 'waiting' }), facts({ status: 'waiting' }))).toBeNull();
		expect(alertOf(facts(), facts({ status: 'closed', closedReason: 'closed_by_agent' }))).toBe(
			null
		);
		expect(alertOf(facts({ status: 'ready' }), facts({ status: 'connected' }))).toBeNull();
		expect(alertOf(facts({ status: 'open' }), facts({ status: 'expired' }))).toBeNull();
		expect(alertOf(null, facts())).toBeNull();
		expect(alertOf(facts({ assignment: toAna }), facts({ assignment: unassigned }))).toBeNull();
	});

	it('names new assignments, at create and later', () => {
		expect(alertOf(null, facts({ assignment: toAna }))).toBe('assigned');
		expect(alertOf(null, facts({ assignment: toQueue }))).toBe('queued');
		expect(alertOf(facts({ assignment: toAna }), facts({ assignment: toBo }))).toBe('assigned');
		expect(alertOf(facts({ assignment: toAna }), facts({ assignment: toQueue }))).toBe('queued');
		expect(alertOf(facts({ assignment: toAna }), facts({ assignment: toAna }))).toBeNull();
	});

	it('names the reminder moment of a scheduled session', () => {
		expect(alertOf(facts(), facts({ reminderSentAt: 5 }))).toBe('due');
		expect(alertOf(facts({ reminderSentAt: 5 }), facts({ reminderSentAt: 5 }))).toBeNull();
	});
});

describe('who should act', () => {
	const ana = { id: 'ana', queueIds: ['q1'] };
	it('is the agent, else the queue, else the creator', () => {
		expect(isResponsible(ana, { assignment: toAna, createdBy: 'bo' })).toBe(true);
		expect(isResponsible(ana, { assignment: toBo, createdBy: 'ana' })).toBe(false);
		expect(isResponsible(ana, { assignment: toQueue, createdBy: 'bo' })).toBe(true);
		expect(isResponsible(ana, { assignment: unassigned, createdBy: 'ana' })).toBe(true);
		expect(isResponsible(ana, { assignment: unassigned, createdBy: 'bo' })).toBe(false);
	});

	it('counts the waiting and ready requests of the agent', () => {
		const rows = [
			{ status: 'waiting', assignment: toAna, createdBy: 'bo' },
			{ status: 'ready', assignment: toQueue, createdBy: 'bo' },
			{ status: 'open', assignment: toAna, createdBy: 'bo' },
			{ status: 'waiting', assignment: toBo, createdBy: 'ana' }
		] as const;
		expect(countWaitingOn(ana, rows)).toBe(2);
	});

	it('says only the first name', () => {
		expect(firstNameOf('  María José García ')).toBe('María');
	});
});
