/**
 * planHandOver, the rule behind requests.handOverSession: who may hand a live session to the
 * colleague watching, and only while it runs.
 */
import { describe, expect, it } from 'vitest';
import { planHandOver, type RequestFacts } from './plans';
import type { Status } from './types';
import { openFacts, refusal } from '../../../tests/support/requests';

const NOW = Date.UTC(2026, 0, 1);
const facts = (status: Status, owner = 'ana'): RequestFacts =>
	openFacts(owner, NOW, { recipientName: 'Rosa', expiresAt: NOW + 86_400_000, status });
const as = (userId: string, isAdmin = false) => ({ userId, isAdmin, queueIds: [], now: NOW });

const reasonOf = (run: () => unknown) => refusal(run).reason;

describe('planHandOver', () => {
	it('gives a running session to the colleague, as an assignment noted on the timeline', () => {
		expect(planHandOver(facts('connected'), 'ben', as('ana'))).toEqual({
			action: 'assign',
			patch: { assignment: { kind: 'agent', userId: 'ben' } },
			from: { kind: 'agent', userId: 'ana' },
			to: { kind: 'agent', userId: 'ben' },
			note: 'Handed over during the live session'
		});
		// An admin may hand over someone else's session.
		expect(planHandOver(facts('connected'), 'ben', as('root', true)).to).toEqual({
			kind: 'agent',
			userId: 'ben'
		});
	});

	it('refuses others, sessions not running, and a hand-over to the holder', () => {
		expect(reasonOf(() => planHandOver(facts('connected'), 'ben', as('ben')))).toBe('forbidden');
		for (const status of ['ready', 'waiting', 'closed'] as const) {
			expect(reasonOf(() => planHandOver(facts(status), 'ben', as('ana')))).toBe('conflict');
		}
		expect(reasonOf(() => planHandOver(facts('connected'), 'ana', as('root', true)))).toBe(
			'invalid'
		);
	});
});
