/**
 * The session request lifecycle: every allowed transition, and a typed refusal for every other.
 * Pure: the server applies it authoritatively, the client optimistically, with the same result.
 */
import { conflict, DomainError } from './errors';
import { EXPIRABLE_STATUSES, LIVE_STATUSES, type ClosedReason, type Status } from './types';

export const ACTIONS = [
	'openLink',
	'requestConnect',
	'allow',
	'deny',
	'decline',
	'start',
	'end',
	'close',
	'expire',
	'reopen',
	'extend',
	'update',
	'assign',
	'take',
	'regenerateLink',
	'transfer',
	'interrupt'
] as const;
export type Action = (typeof ACTIONS)[number];

/** The part of a request the lifecycle looks at. */
export interface LifecycleState {
	status: Status;
	connectRequested: boolean;
	closedReason: ClosedReason | null;
}

const same = (statuses: readonly Status[]) =>
	Object.fromEntries(statuses.map((s) => [s, s])) as Partial<Record<Status, Status>>;
const to = (target: Status, statuses: readonly Status[]) =>
	Object.fromEntries(statuses.map((s) => [s, target])) as Partial<Record<Status, Status>>;

/** from-status → to-status for each action; a missing entry is a forbidden transition. */
export const TRANSITIONS: Record<Action, Partial<Record<Status, Status>>> = {
	// Opening the link moves open → waiting; later opens only refresh presence.
	openLink: { open: 'waiting', waiting: 'waiting', ready: 'ready', connected: 'connected' },
	requestConnect: { waiting: 'waiting' },
	allow: { waiting: 'ready' },
	// Deny answers a pending connect request, or withdraws access already granted (ready).
	deny: { waiting: 'waiting', ready: 'waiting' },
	decline: { open: 'closed', waiting: 'closed', ready: 'closed' },
	start: { ready: 'connected' },
	end: { connected: 'closed' },
	close: to('closed', LIVE_STATUSES),
	// A session in progress does not expire.
	expire: to('expired', EXPIRABLE_STATUSES),
	reopen: { closed: 'open', expired: 'open' },
	extend: same(LIVE_STATUSES),
	update: same(LIVE_STATUSES),
	assign: same(LIVE_STATUSES),
	take: same(LIVE_STATUSES),
	regenerateLink: same(LIVE_STATUSES),
	// A hand-over by its holder: not while a session runs (its screen goes to whoever holds it).
	transfer: same(['open', 'waiting', 'ready']),
	// The agent of a running session was deactivated: the session ends and the end user is asked
	// again by whoever helps next, so consent given to one agent is not reused.
	interrupt: { connected: 'waiting' }
};

const CLOSED_REASON_OF: Partial<Record<Action, ClosedReason>> = {
	decline: 'declined_by_user',
	end: 'completed',
	close: 'closed_by_agent'
};

/** A pending connect request is answered (or made moot) by these; other actions keep it. */
const CONNECT_REQUEST_EFFECT: Partial<Record<Action, boolean>> = {
	requestConnect: true,
	allow: false,
	deny: false,
	decline: false,
	start: false,
	end: false,
	close: false,
	expire: false,
	reopen: false,
	interrupt: false
};

const ACTION_WORDS: Record<Action, string> = {
	openLink: 'open the link of',
	requestConnect: 'request to connect to',
	allow: 'allow access to',
	deny: 'deny access to',
	decline: 'decline',
	start: 'start a session on',
	end: 'end the session of',
	close: 'close',
	expire: 'expire',
	reopen: 'reopen',
	extend: 'extend the expiry of',
	update: 'edit',
	assign: 'reassign',
	take: 'take',
	regenerateLink: 'regenerate the link of',
	transfer: 'transfer',
	interrupt: 'interrupt the session of'
};

/** Whether `action` is allowed now, without throwing: for buttons and their reasons. */
export function canTransition(state: LifecycleState, action: Action): DomainError | null {
	if (TRANSITIONS[action][state.status] === undefined) {
		return conflict(`Cannot ${ACTION_WORDS[action]} a request that is ${state.status}`);
	}
	const answersConnect = action === 'allow' || (action === 'deny' && state.status === 'waiting');
	if (answersConnect && !state.connectRequested) {
		return conflict('The agent has not asked to connect');
	}
	return null;
}

/** Applies `action` to `state`, or throws a `conflict` naming the current status. */
export function transition(state: LifecycleState, action: Action): LifecycleState {
	const refusal = canTransition(state, action);
	if (refusal) throw refusal;
	const status = TRANSITIONS[action][state.status] as Status;
	return {
		status,
		connectRequested: CONNECT_REQUEST_EFFECT[action] ?? state.connectRequested,
		closedReason: status === 'closed' ? (CLOSED_REASON_OF[action] ?? null) : null
	};
}
