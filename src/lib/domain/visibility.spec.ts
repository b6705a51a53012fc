import { describe, expect, it } from 'vitest';
import type { Assignment, Permission, Viewer } from './types';
import { canSee, type VisibilityFacts } from './visibility';

const ME = '0197a000-0000-7000-8000-000000000001';
const OTHER = '0197a000-0000-7000-8000-000000000002';
const MY_QUEUE = '0197a000-0000-7000-8000-0000000000a1';
const OTHER_QUEUE = '0197a000-0000-7000-8000-0000000000a2';

const viewer = (role: Viewer['role'], permission: Permission): Viewer => ({
	id: ME,
	role,
	permission,
	queueIds: [MY_QUEUE]
});

const request = (assignment: Assignment, createdBy = OTHER): VisibilityFacts => ({
	assignment,
	createdBy
});

const REQUESTS: [string, VisibilityFacts][] = [
	['unassigned', request({ kind: 'unassigned' })],
	['assigned to them', request({ kind: 'agent', userId: ME })],
	['assigned to another agent', request({ kind: 'agent', userId: OTHER })],
	['assigned to a queue they are in', request({ kind: 'queue', queueId: MY_QUEUE })],
	['assigned to a queue they are not in', request({ kind: 'queue', queueId: OTHER_QUEUE })],
	['created by them and assigned to another agent', request({ kind: 'agent', userId: OTHER }, ME)],
	[
		'created by them and assigned to a queue they are not in',
		request({ kind: 'queue', queueId: OTHER_QUEUE }, ME)
	]
];

describe.each(['none', 'view', 'edit'] as const)('an admin with permission %s', (permission) => {
	it.each(REQUESTS)('sees a request %s', (_label, facts) => {
		expect(canSee(viewer('admin', permission), facts)).toBe(true);
	});
});

describe('an agent with permission none', () => {
	it.each(REQUESTS)('does not see a request %s', (_label, facts) => {
		expect(canSee(viewer('agent', 'none'), facts)).toBe(false);
	});
});

const AGENT_SEES: Record<string, boolean> = {
	unassigned: true,
	'assigned to them': true,
	'assigned to another agent': false,
	'assigned to a queue they are in': true,
	'assigned to a queue they are not in': false,
	'created by them and assigned to another agent': true,
	'created by them and assigned to a queue they are not in': true
};

describe.each(['view', 'edit'] as const)('an agent with permission %s', (permission) => {
	const visible = REQUESTS.filter(([label]) => AGENT_SEES[label]);
	const hidden = REQUESTS.filter(([label]) => !AGENT_SEES[label]);

	it.each(visible)('sees a request %s', (_label, facts) => {
		expect(canSee(viewer('agent', permission), facts)).toBe(true);
	});

	it.each(hidden)('does not see a request %s', (_label, facts) => {
		expect(canSee(viewer('agent', permission), facts)).toBe(false);
	});

	it('does not see a queued request once they are out of every queue', () => {
		const outsider: Viewer = { ...viewer('agent', permission), queueIds: [] };
		expect(canSee(outsider, request({ kind: 'queue', queueId: MY_QUEUE }))).toBe(false);
	});
});
