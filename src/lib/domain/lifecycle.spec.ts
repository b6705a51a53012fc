/**
 * The lifecycle, checked pair by pair against a table written from DESIGN.md §1 "Lifecycle"
 * (not read back from TRANSITIONS): every status × every action has its own test case.
 */
import { describe, expect, it } from 'vitest';
import { DomainError } from './errors';
import { ACTIONS, canTransition, transition, type Action, type LifecycleState } from './lifecycle';
import { isTerminal, STATUSES, type ClosedReason, type Status } from './types';

const state = (
	status: Status,
	connectRequested = false,
	closedReason: ClosedReason | null = null
): LifecycleState => ({ status, connectRequested, closedReason });

/** The status does not allow the action at all: a conflict naming the current status. */
const FORBIDDEN = 'forbidden';
/** Allow / deny while no connect request is pending: a conflict saying so. */
const NOT_ASKED = 'not asked';
type Expected = LifecycleState | typeof FORBIDDEN | typeof NOT_ASKED;

const STARTS = {
	open: state('open'),
	'waiting with a pending connect request': state('waiting', true),
	'waiting without a connect request': state('waiting', false),
	ready: state('ready'),
	connected: state('connected'),
	closed: state('closed', false, 'closed_by_agent'),
	expired: state('expired')
} satisfies Record<string, LifecycleState>;
type Start = keyof typeof STARTS;

const closedBy = (reason: ClosedReason) => state('closed', false, reason);
const terminal: Record<Action, Expected> = {
	openLink: FORBIDDEN,
	requestConnect: FORBIDDEN,
	allow: FORBIDDEN,
	deny: FORBIDDEN,
	decline: FORBIDDEN,
	start: FORBIDDEN,
	end: FORBIDDEN,
	close: FORBIDDEN,
	expire: FORBIDDEN,
	reopen: state('open'),
	extend: FORBIDDEN,
	update: FORBIDDEN,
	assign: FORBIDDEN,
	take: FORBIDDEN,
	regenerateLink: FORBIDDEN,
	transfer: FORBIDDEN,
	interrupt: FORBIDDEN
};

/**
 * What a request allows before its session (open, waiting, ready): the end user may decline it,
 * the agent may close it, it expires, and edits leave its state as it was. The rows below say
 * where each of these statuses differs.
 */
const beforeSession = (unchanged: LifecycleState): Record<Action, Expected> => ({
	openLink: unchanged,
	requestConnect: FORBIDDEN,
	allow: FORBIDDEN,
	deny: FORBIDDEN,
	decline: closedBy('declined_by_user'),
	start: FORBIDDEN,
	end: FORBIDDEN,
	close: closedBy('closed_by_agent'),
	expire: state('expired'),
	reopen: FORBIDDEN,
	extend: unchanged,
	update: unchanged,
	assign: unchanged,
	take: unchanged,
	regenerateLink: unchanged,
	transfer: unchanged,
	interrupt: FORBIDDEN
});

const EXPECTED: Record<Start, Record<Action, Expected>> = {
	open: { ...beforeSession(state('open')), openLink: state('waiting') },
	'waiting with a pending connect request': {
		...beforeSession(state('waiting', true)),
		requestConnect: state('waiting', true),
		allow: state('ready'),
		deny: state('waiting', false)
	},
	'waiting without a connect request': {
		...beforeSession(state('waiting', false)),
		requestConnect: state('waiting', true),
		allow: NOT_ASKED,
		deny: NOT_ASKED
	},
	ready: {
		...beforeSession(state('ready')),
		// DESIGN.md: from ready, "user denies" goes back to waiting.
		deny: state('waiting'),
		start: state('connected')
	},
	connected: {
		openLink: state('connected'),
		requestConnect: FORBIDDEN,
		allow: FORBIDDEN,
		deny: FORBIDDEN,
		decline: FORBIDDEN,
		start: FORBIDDEN,
		end: closedBy('completed'),
		close: closedBy('closed_by_agent'),
		// A session in progress does not expire.
		expire: FORBIDDEN,
		reopen: FORBIDDEN,
		extend: state('connected'),
		update: state('connected'),
		assign: state('connected'),
		take: state('connected'),
		regenerateLink: state('connected'),
		transfer: FORBIDDEN,
		interrupt: state('waiting', false)
	},
	closed: terminal,
	expired: terminal
};

const CASES = (Object.keys(STARTS) as Start[]).flatMap((start) =>
	ACTIONS.map((action) => ({
		start,
		action,
		from: STARTS[start],
		expected: EXPECTED[start][action]
	}))
);

function thrownBy(fn: () => unknown): unknown {
	try {
		fn();
	} catch (error) {
		return error;
	}
	throw new Error('expected a throw');
}

describe('the expected lifecycle table', () => {
	it('covers every status', () => {
		expect(new Set(Object.values(STARTS).map((s) => s.status))).toEqual(new Set(STATUSES));
	});

	it('covers every action for every starting state', () => {
		for (const row of Object.values(EXPECTED)) {
			expect(Object.keys(row).sort()).toEqual([...ACTIONS].sort());
		}
	});
});

describe.each(Object.keys(STARTS) as Start[])('a request that is %s', (start) => {
	const from = STARTS[start];
	const cases = CASES.filter((c) => c.start === start);

	const allowed = cases.filter(
		(c): c is typeof c & { expected: LifecycleState } => typeof c.expected === 'object'
	);
	const forbidden = cases.filter((c) => c.expected === FORBIDDEN);
	const notAsked = cases.filter((c) => c.expected === NOT_ASKED);

	if (allowed.length > 0) {
		it.each(allowed)(
			'allows $action and ends $expected.status (closedReason $expected.closedReason, connectRequested $expected.connectRequested)',
			({ action, expected }) => {
				expect(canTransition(from, action)).toBeNull();
				expect(transition(from, action)).toEqual(expected);
			}
		);
	}

	if (forbidden.length > 0) {
		it.each(forbidden)('refuses $action with a conflict naming the status', ({ action }) => {
			const error = thrownBy(() => transition(from, action));
			expect(error).toBeInstanceOf(DomainError);
			expect((error as DomainError).reason).toBe('conflict');
			expect((error as DomainError).message).toMatch(new RegExp(`\\b${from.status}\\b`));

			let refusal: DomainError | null = null;
			expect(() => (refusal = canTransition(from, action))).not.toThrow();
			expect(refusal).toBeInstanceOf(DomainError);
			expect(refusal!.reason).toBe('conflict');
			expect(refusal!.message).toBe((error as DomainError).message);
		});
	}

	if (notAsked.length > 0) {
		it.each(notAsked)(
			'refuses $action with a conflict because the agent has not asked to connect',
			({ action }) => {
				const error = thrownBy(() => transition(from, action));
				expect(error).toBeInstanceOf(DomainError);
				expect((error as DomainError).reason).toBe('conflict');
				expect((error as DomainError).message).toMatch(/not asked to connect/);

				let refusal: DomainError | null = null;
				expect(() => (refusal = canTransition(from, action))).not.toThrow();
				expect(refusal).toBeInstanceOf(DomainError);
				expect(refusal!.reason).toBe('conflict');
			}
		);
	}
});

describe('transition', () => {
	it('does not change the state it is given', () => {
		const from = state('waiting', true);
		const copy = { ...from };
		transition(from, 'allow');
		expect(from).toEqual(copy);
	});

	it('walks the happy path from open to a completed session', () => {
		let s = state('open');
		for (const action of ['openLink', 'requestConnect', 'allow', 'start', 'end'] as const) {
			s = transition(s, action);
		}
		expect(s).toEqual(state('closed', false, 'completed'));
	});

	it('lets the agent ask again after the end user denies', () => {
		let s = transition(state('waiting'), 'requestConnect');
		s = transition(s, 'deny');
		expect(s).toEqual(state('waiting', false));
		expect(() => transition(s, 'allow')).toThrow(DomainError);
		s = transition(s, 'requestConnect');
		expect(transition(s, 'allow')).toEqual(state('ready'));
	});

	it.each(['closed_by_agent', 'completed', 'declined_by_user'] as const)(
		'clears the closed reason %s when a closed request is reopened',
		(reason) => {
			expect(transition(state('closed', false, reason), 'reopen')).toEqual(state('open'));
		}
	);
});

describe('isTerminal', () => {
	it.each(STATUSES.map((s) => [s, s === 'closed' || s === 'expired'] as const))(
		'says %s is terminal: %s',
		(status, expected) => {
			expect(isTerminal(status)).toBe(expected);
		}
	);
});
