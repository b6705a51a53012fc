/**
 * The optimistic side of each sync mutation (DESIGN.md §3): what an agent sees before the server
 * answers, and the refusals it gets at once, with the reasons the server gives. The last block
 * replays sequences against a real server through `sync.push`/`sync.pull` and checks that the
 * optimistic outcome is the one the server produces.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError, DomainErrorReason } from '../domain/errors';
import { effectiveStatus } from '../domain/rules';
import type { SessionRequest, Status } from '../domain/types';
import { applyMutation, requestIdOf, type Mutation, type MutationContext } from './mutators';
import { ERROR_CODE_OF, type MutationArgs, type MutationName } from './protocol';
/* eslint-disable no-restricted-imports -- the cross-check drives the real server's services */
import { refusal, serverRequest } from '../../../tests/support/requests';
import { makeUser, startTestServer, type TestServer } from '../../../tests/support/server';
import { declineRequest, openLink, respondToConnect } from '../../server/services/link-page';
import { createQueue } from '../../server/services/queues';
import { defaultExpiryMs, getSettings } from '../../server/services/settings';
import { pull, push } from '../../server/services/sync';
import { loadAuthUser, type AuthUser } from '../../server/services/users';
/* eslint-enable no-restricted-imports */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = Date.parse('2030-05-06T08:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

const ME = randomUUID();
const OTHER = randomUUID();
const MY_QUEUE = randomUUID();
const OTHER_QUEUE = randomUUID();

function context(overrides: Partial<MutationContext> = {}): MutationContext {
	return {
		userId: ME,
		isAdmin: false,
		queueIds: [MY_QUEUE],
		now: NOW,
		defaultExpiryMs: 7 * DAY,
		defaultLanguage: 'de',
		...overrides
	};
}

/** A request as the server last sent it: synced, with a link, assigned to me, open. */
const synced = (overrides: Partial<SessionRequest> = {}): SessionRequest =>
	serverRequest(ME, NOW, { version: 7, link: 'http://beckon.test/s/token-1', ...overrides });

/** The message of the conflict `run` is refused with; fails the test on any other outcome. */
function conflictMessage(run: () => unknown): string {
	const error = refusal(run);
	expect(error.reason).toBe(DomainErrorReason.conflict);
	return error.message;
}

function apply<N extends MutationName>(
	request: SessionRequest | undefined,
	name: N,
	args: MutationArgs<N>,
	ctx = context()
): SessionRequest {
	return applyMutation(request, { name, args } as Mutation, ctx);
}

describe('createRequest', () => {
	it('makes an open request assigned to me, with no link until it has synced', () => {
		const id = randomUUID();
		const created = apply(undefined, 'createRequest', { id, recipientName: '  Grace Hopper ' });
		expect(created).toEqual({
			id,
			recipientName: 'Grace Hopper',
			recipientEmail: null,
			sendEmail: false,
			emailLanguage: 'de',
			comments: '',
			scheduledAt: null,
			timeZone: null,
			expiresAt: iso(NOW + 7 * DAY),
			assignment: { kind: 'agent', userId: ME },
			status: 'open',
			closedReason: null,
			connectRequested: false,
			endUserSeenAt: null,
			createdBy: ME,
			source: 'agent',
			createdAt: iso(NOW),
			updatedAt: iso(NOW),
			statusChangedAt: iso(NOW),
			version: 0,
			link: null,
			anonymizedAt: null
		});
	});

	it("resolves an explicit 'me' and keeps queue, agent and unassigned assignments", () => {
		const make = (assignment: MutationArgs<'createRequest'>['assignment']) =>
			apply(undefined, 'createRequest', { id: randomUUID(), recipientName: 'X', assignment })
				.assignment;
		expect(make({ kind: 'me' })).toEqual({ kind: 'agent', userId: ME });
		expect(make({ kind: 'queue', queueId: MY_QUEUE })).toEqual({
			kind: 'queue',
			queueId: MY_QUEUE
		});
		expect(make({ kind: 'agent', userId: OTHER })).toEqual({ kind: 'agent', userId: OTHER });
		expect(make({ kind: 'unassigned' })).toEqual({ kind: 'unassigned' });
	});

	it('counts the default lifetime from the scheduled time, and keeps an explicit expiry', () => {
		const scheduledAt = iso(NOW + 2 * DAY);
		const scheduled = apply(undefined, 'createRequest', {
			id: randomUUID(),
			recipientName: 'X',
			scheduledAt
		});
		expect(scheduled.scheduledAt).toBe(scheduledAt);
		expect(scheduled.expiresAt).toBe(iso(NOW + 9 * DAY));

		const explicit = apply(undefined, 'createRequest', {
			id: randomUUID(),
			recipientName: 'X',
			expiresAt: '2030-05-06T12:00:00+02:00',
			emailLanguage: 'fr',
			recipientEmail: 'x@example.com',
			sendEmail: true,
			comments: 'VPN'
		});
		expect(explicit).toMatchObject({
			expiresAt: '2030-05-06T10:00:00.000Z',
			emailLanguage: 'fr',
			recipientEmail: 'x@example.com',
			sendEmail: true,
			comments: 'VPN'
		});
	});

	it('refuses what the server refuses, with the same reason and field', () => {
		const existing = synced();
		expect(
			refusal(() => apply(existing, 'createRequest', { id: existing.id, recipientName: 'X' }))
		).toMatchObject({ reason: DomainErrorReason.conflict });
		expect(refusal(() => apply(undefined, 'createRequest', { recipientName: 'X' }))).toMatchObject({
			reason: DomainErrorReason.invalid,
			field: 'id'
		});
		const cases: [MutationArgs<'createRequest'>, string][] = [
			[{ recipientName: '   ' }, 'recipientName'],
			[{ recipientName: 'X', scheduledAt: iso(NOW - MINUTE) }, 'scheduledAt'],
			[{ recipientName: 'X', expiresAt: iso(NOW) }, 'expiresAt'],
			[
				{ recipientName: 'X', scheduledAt: iso(NOW + 2 * DAY), expiresAt: iso(NOW + DAY) },
				'expiresAt'
			],
			[{ recipientName: 'X', sendEmail: true }, 'recipientEmail'],
			[{ recipientName: 'X', recipientEmail: 'not an address' }, 'recipientEmail'],
			[{ recipientName: 'X', expiresAt: 'tomorrow' }, 'expiresAt'],
			[{ recipientName: 'X', timeZone: 'Mars/Olympus_Mons' }, 'timeZone']
		];
		for (const [args, field] of cases) {
			expect(
				refusal(() => apply(undefined, 'createRequest', { id: randomUUID(), ...args })),
				JSON.stringify(args)
			).toMatchObject({ reason: DomainErrorReason.invalid, field });
		}
	});
});

describe("the recipient's time zone", () => {
	it('is kept on a new request, and none given is none (null)', () => {
		const made = apply(undefined, 'createRequest', {
			id: randomUUID(),
			recipientName: 'X',
			timeZone: 'America/New_York'
		});
		expect(made.timeZone).toBe('America/New_York');
		expect(
			apply(undefined, 'createRequest', { id: randomUUID(), recipientName: 'X' }).timeZone
		).toBe(null);
	});

	it('is changed, kept or cleared by an edit, which refuses an unknown zone', () => {
		const request = synced({ timeZone: 'Europe/Madrid' });
		expect(
			apply(request, 'updateRequest', { id: request.id, timeZone: 'Asia/Tokyo' }).timeZone
		).toBe('Asia/Tokyo');
		expect(apply(request, 'updateRequest', { id: request.id, comments: 'x' }).timeZone).toBe(
			'Europe/Madrid'
		);
		expect(apply(request, 'updateRequest', { id: request.id, timeZone: null }).timeZone).toBe(null);
		expect(
			refusal(() => apply(request, 'updateRequest', { id: request.id, timeZone: 'Nowhere/Land' }))
		).toMatchObject({ reason: DomainErrorReason.invalid, field: 'timeZone' });
	});

	it('a copy stored before zones existed reads as none', () => {
		const { timeZone: _none, ...old } = synced();
		const updated = apply(old as SessionRequest, 'updateRequest', { id: old.id, comments: 'x' });
		expect(updated.timeZone).toBeNull();
	});
});

describe('updateRequest', () => {
	it('changes the given fields only, and keeps the status', () => {
		const request = synced({ status: 'waiting', comments: 'old' });
		const updated = apply(request, 'updateRequest', {
			id: request.id,
			comments: 'Printer on fire',
			recipientEmail: 'ada@example.com',
			sendEmail: true
		});
		expect(updated).toEqual({
			...request,
			comments: 'Printer on fire',
			recipientEmail: 'ada@example.com',
			sendEmail: true,
			updatedAt: iso(NOW)
		});
	});

	it('drops the link when a recipient email is replaced or removed (the server issues a new one)', () => {
		const request = synced({ recipientEmail: 'ada@example.com' });
		expect(request.link).not.toBeNull();
		const replaced = apply(request, 'updateRequest', {
			id: request.id,
			recipientEmail: 'grace@example.com'
		});
		expect(replaced).toMatchObject({ recipientEmail: 'grace@example.com', link: null });
		expect(
			apply(request, 'updateRequest', { id: request.id, recipientEmail: null }).link
		).toBeNull();
		// The same address in other letters, or other fields: the link stays.
		expect(
			apply(request, 'updateRequest', { id: request.id, recipientEmail: 'ADA@example.com' }).link
		).toBe(request.link);
		expect(apply(request, 'updateRequest', { id: request.id, comments: 'x' }).link).toBe(
			request.link
		);
	});

	it('sets and clears a schedule, which must lie in the future', () => {
		const request = synced();
		const scheduledAt = iso(NOW + DAY);
		const scheduled = apply(request, 'updateRequest', { id: request.id, scheduledAt });
		expect(scheduled.scheduledAt).toBe(scheduledAt);
		expect(
			apply(scheduled, 'updateRequest', { id: request.id, scheduledAt: null }).scheduledAt
		).toBeNull();
		expect(
			refusal(() => apply(request, 'updateRequest', { id: request.id, scheduledAt: iso(NOW) }))
		).toMatchObject({ reason: DomainErrorReason.invalid, field: 'scheduledAt' });
		expect(
			refusal(() =>
				apply(request, 'updateRequest', { id: request.id, scheduledAt: iso(NOW + 7 * DAY) })
			)
		).toMatchObject({ reason: DomainErrorReason.invalid, field: 'expiresAt' });
	});

	it('refuses to send email without an address', () => {
		const request = synced();
		expect(
			refusal(() => apply(request, 'updateRequest', { id: request.id, sendEmail: true }))
		).toMatchObject({ reason: DomainErrorReason.invalid, field: 'recipientEmail' });
	});

	it('refuses a terminal request with a conflict naming its status', () => {
		const closed = synced({ status: 'closed', closedReason: 'closed_by_agent' });
		expect(
			conflictMessage(() => apply(closed, 'updateRequest', { id: closed.id, comments: 'x' }))
		).toBe('Cannot edit a request that is closed');
		// Past its expiry, a live request is expired, whatever the sweeper has written so far.
		const expired = synced({ expiresAt: iso(NOW - MINUTE) });
		expect(
			conflictMessage(() => apply(expired, 'updateRequest', { id: expired.id, comments: 'x' }))
		).toBe('Cannot edit a request that is expired');
	});

	it('edits a session in progress whose expiry has passed (a session does not expire)', () => {
		const connected = synced({ status: 'connected', expiresAt: iso(NOW - HOUR) });
		const updated = apply(connected, 'updateRequest', { id: connected.id, comments: 'notes' });
		expect(updated).toMatchObject({ status: 'connected', comments: 'notes' });
	});
});

describe('assignRequest and takeRequest', () => {
	it("assigns, resolving 'me' to the acting agent", () => {
		const request = synced({ assignment: { kind: 'unassigned' } });
		expect(
			apply(request, 'assignRequest', { id: request.id, assignment: { kind: 'me' } }).assignment
		).toEqual({ kind: 'agent', userId: ME });
		expect(
			apply(request, 'assignRequest', {
				id: request.id,
				assignment: { kind: 'queue', queueId: OTHER_QUEUE }
			})
		).toMatchObject({ assignment: { kind: 'queue', queueId: OTHER_QUEUE }, status: 'open' });
		const closed = synced({ status: 'closed', closedReason: 'completed' });
		expect(
			refusal(() =>
				apply(closed, 'assignRequest', { id: closed.id, assignment: { kind: 'unassigned' } })
			)
		).toMatchObject({ reason: DomainErrorReason.conflict });
	});

	it('takes a request from my queue or the unassigned pool', () => {
		for (const assignment of [
			{ kind: 'queue', queueId: MY_QUEUE },
			{ kind: 'unassigned' }
		] as const) {
			const request = synced({ assignment, status: 'waiting', createdBy: OTHER });
			expect(apply(request, 'takeRequest', { id: request.id })).toEqual({
				...request,
				assignment: { kind: 'agent', userId: ME },
				updatedAt: iso(NOW)
			});
		}
	});

	it('refuses to take a request an agent holds (conflict), or from a queue I am not in', () => {
		const held = synced({ assignment: { kind: 'agent', userId: OTHER } });
		expect(conflictMessage(() => apply(held, 'takeRequest', { id: held.id }))).toMatch(
			/^Already taken/
		);
		const mine = synced();
		expect(conflictMessage(() => apply(mine, 'takeRequest', { id: mine.id }))).toBe(
			'Already taken by you'
		);
		const foreign = synced({ assignment: { kind: 'queue', queueId: OTHER_QUEUE } });
		expect(refusal(() => apply(foreign, 'takeRequest', { id: foreign.id }))).toMatchObject({
			reason: DomainErrorReason.forbidden
		});
		// An admin may take from any queue, but not from under an agent.
		const admin = context({ userId: OTHER, isAdmin: true, queueIds: [] });
		expect(apply(foreign, 'takeRequest', { id: foreign.id }, admin).assignment).toEqual({
			kind: 'agent',
			userId: OTHER
		});
		expect(refusal(() => apply(mine, 'takeRequest', { id: mine.id }, admin))).toMatchObject({
			reason: DomainErrorReason.conflict
		});
		const closed = synced({ assignment: { kind: 'unassigned' }, status: 'closed' });
		expect(conflictMessage(() => apply(closed, 'takeRequest', { id: closed.id }))).toBe(
			'Cannot take a request that is closed'
		);
	});
});

describe('transferRequest', () => {
	it('hands my request to an agent or a queue at once, keeping its status and link', () => {
		const mine = synced({ status: 'waiting' });
		const toAgent = apply(mine, 'transferRequest', {
			id: mine.id,
			to: { kind: 'agent', userId: OTHER },
			note: 'Over to you'
		});
		expect(toAgent).toMatchObject({
			assignment: { kind: 'agent', userId: OTHER },
			status: 'waiting',
			link: mine.link,
			updatedAt: iso(NOW)
		});
		const toQueue = apply(mine, 'transferRequest', {
			id: mine.id,
			to: { kind: 'queue', queueId: OTHER_QUEUE }
		});
		expect(toQueue.assignment).toEqual({ kind: 'queue', queueId: OTHER_QUEUE });
		// A queued request may be handed on by the queue's members.
		const queued = synced({ assignment: { kind: 'queue', queueId: MY_QUEUE } });
		expect(
			apply(queued, 'transferRequest', { id: queued.id, to: { kind: 'agent', userId: OTHER } })
				.assignment
		).toEqual({ kind: 'agent', userId: OTHER });
	});

	it("refuses another agent's request (unless admin), a running session and the holder", () => {
		const theirs = synced({ assignment: { kind: 'agent', userId: OTHER } });
		const args = { id: theirs.id, to: { kind: 'queue' as const, queueId: MY_QUEUE } };
		expect(refusal(() => apply(theirs, 'transferRequest', args))).toMatchObject({
			reason: DomainErrorReason.forbidden
		});
		const admin = context({ isAdmin: true, queueIds: [] });
		expect(apply(theirs, 'transferRequest', args, admin).assignment).toEqual(args.to);
		const foreign = synced({ assignment: { kind: 'queue', queueId: OTHER_QUEUE } });
		expect(
			refusal(() =>
				apply(foreign, 'transferRequest', { id: foreign.id, to: { kind: 'agent', userId: ME } })
			)
		).toMatchObject({ reason: DomainErrorReason.forbidden });
		const connected = synced({ status: 'connected' });
		expect(
			conflictMessage(() => apply(connected, 'transferRequest', { id: connected.id, to: args.to }))
		).toBe('Cannot transfer a request that is connected');
		const mine = synced();
		expect(
			refusal(() =>
				apply(mine, 'transferRequest', { id: mine.id, to: { kind: 'agent', userId: ME } })
			)
		).toMatchObject({ reason: DomainErrorReason.invalid, field: 'to' });
	});
});

describe('requestConnect, startSession, endSession', () => {
	it('asks to connect while the end user waits', () => {
		const waiting = synced({ status: 'waiting', statusChangedAt: iso(NOW - HOUR) });
		expect(apply(waiting, 'requestConnect', { id: waiting.id })).toEqual({
			...waiting,
			connectRequested: true,
			updatedAt: iso(NOW)
		});
		const open = synced();
		expect(conflictMessage(() => apply(open, 'requestConnect', { id: open.id }))).toBe(
			'Cannot request to connect to a request that is open'
		);
	});

	it("refuses to connect to or start another agent's request, unless I am an admin", () => {
		const waiting = synced({ status: 'waiting', assignment: { kind: 'agent', userId: OTHER } });
		const ready = { ...waiting, status: 'ready' as const };
		expect(refusal(() => apply(waiting, 'requestConnect', { id: waiting.id }))).toMatchObject({
			reason: DomainErrorReason.forbidden
		});
		expect(refusal(() => apply(ready, 'startSession', { id: ready.id }))).toMatchObject({
			reason: DomainErrorReason.forbidden
		});
		const admin = context({ isAdmin: true });
		expect(apply(waiting, 'requestConnect', { id: waiting.id }, admin).connectRequested).toBe(true);
		expect(apply(ready, 'startSession', { id: ready.id }, admin).status).toBe('connected');
		// Queued and unassigned requests are nobody's yet: anyone who sees them may connect.
		const queued = { ...waiting, assignment: { kind: 'queue', queueId: OTHER_QUEUE } as const };
		expect(apply(queued, 'requestConnect', { id: queued.id }).connectRequested).toBe(true);
	});

	it('starts a ready session and ends it as completed', () => {
		const ready = synced({ status: 'ready' });
		const connected = apply(ready, 'startSession', { id: ready.id });
		expect(connected).toMatchObject({
			status: 'connected',
			connectRequested: false,
			closedReason: null,
			statusChangedAt: iso(NOW),
			link: ready.link
		});
		const ended = apply(connected, 'endSession', { id: ready.id }, context({ now: NOW + HOUR }));
		expect(ended).toMatchObject({
			status: 'closed',
			closedReason: 'completed',
			statusChangedAt: iso(NOW + HOUR),
			updatedAt: iso(NOW + HOUR)
		});
	});

	it('refuses to start before the end user allowed it, and to end what is not connected', () => {
		for (const status of ['open', 'waiting'] as const) {
			const request = synced({ status, connectRequested: status === 'waiting' });
			expect(conflictMessage(() => apply(request, 'startSession', { id: request.id }))).toBe(
				`Cannot start a session on a request that is ${status}`
			);
		}
		const ready = synced({ status: 'ready' });
		expect(conflictMessage(() => apply(ready, 'endSession', { id: ready.id }))).toBe(
			'Cannot end the session of a request that is ready'
		);
		// Ready, but past its expiry: expired.
		const late = synced({ status: 'ready', expiresAt: iso(NOW) });
		expect(conflictMessage(() => apply(late, 'startSession', { id: late.id }))).toBe(
			'Cannot start a session on a request that is expired'
		);
	});
});

describe('closeRequest and reopenRequest', () => {
	it('closes every live request as closed by the agent, and withdraws a connect request', () => {
		for (const status of ['open', 'waiting', 'ready', 'connected'] as const) {
			const request = synced({ status, connectRequested: status === 'waiting' });
			expect(apply(request, 'closeRequest', { id: request.id })).toMatchObject({
				status: 'closed',
				closedReason: 'closed_by_agent',
				connectRequested: false,
				statusChangedAt: iso(NOW)
			});
		}
	});

	it('refuses to reopen an anonymised request, as the server does', () => {
		const anonymized = synced({
			status: 'closed',
			closedReason: 'completed',
			recipientName: 'anonymized',
			anonymizedAt: iso(NOW - MINUTE)
		});
		expect(
			conflictMessage(() => apply(anonymized, 'reopenRequest', { id: anonymized.id }))
		).toMatch(/personal data was erased/);
	});

	it('refuses to close a terminal request', () => {
		const closed = synced({ status: 'closed', closedReason: 'declined_by_user' });
		expect(conflictMessage(() => apply(closed, 'closeRequest', { id: closed.id }))).toBe(
			'Cannot close a request that is closed'
		);
		const expired = synced({ expiresAt: iso(NOW - MINUTE) });
		expect(conflictMessage(() => apply(expired, 'closeRequest', { id: expired.id }))).toBe(
			'Cannot close a request that is expired'
		);
	});

	it('reopens a closed or expired request with a fresh expiry and no link until synced', () => {
		const closed = synced({
			status: 'closed',
			closedReason: 'completed',
			endUserSeenAt: iso(NOW - HOUR),
			link: null
		});
		expect(apply(closed, 'reopenRequest', { id: closed.id })).toMatchObject({
			status: 'open',
			closedReason: null,
			connectRequested: false,
			expiresAt: iso(NOW + 7 * DAY),
			endUserSeenAt: null,
			link: null,
			statusChangedAt: iso(NOW)
		});
		const expired = synced({ expiresAt: iso(NOW - DAY), scheduledAt: iso(NOW - 2 * DAY) });
		const reopened = apply(expired, 'reopenRequest', {
			id: expired.id,
			expiresAt: iso(NOW + 2 * DAY)
		});
		// A schedule already past means "now" once reopened.
		expect(reopened).toMatchObject({
			status: 'open',
			scheduledAt: null,
			expiresAt: iso(NOW + 2 * DAY),
			link: null
		});
	});

	it('keeps a future schedule when reopening, and counts the default expiry from it', () => {
		const scheduledAt = iso(NOW + DAY);
		const closed = synced({ status: 'closed', closedReason: 'closed_by_agent', scheduledAt });
		expect(apply(closed, 'reopenRequest', { id: closed.id })).toMatchObject({
			scheduledAt,
			expiresAt: iso(NOW + 8 * DAY)
		});
		expect(
			refusal(() => apply(closed, 'reopenRequest', { id: closed.id, expiresAt: iso(NOW + HOUR) }))
		).toMatchObject({ reason: DomainErrorReason.invalid, field: 'expiresAt' });
	});

	it('refuses to reopen a live request', () => {
		const open = synced();
		expect(conflictMessage(() => apply(open, 'reopenRequest', { id: open.id }))).toBe(
			'Cannot reopen a request that is open'
		);
	});
});

describe('extendExpiry and regenerateLink', () => {
	it('moves the expiry of a live request', () => {
		const request = synced({ status: 'ready' });
		expect(
			apply(request, 'extendExpiry', { id: request.id, expiresAt: iso(NOW + 30 * DAY) })
		).toEqual({ ...request, expiresAt: iso(NOW + 30 * DAY), updatedAt: iso(NOW) });
	});

	it('refuses a past expiry, one before the schedule, and a terminal request', () => {
		const request = synced({ scheduledAt: iso(NOW + 2 * DAY), expiresAt: iso(NOW + 9 * DAY) });
		expect(
			refusal(() => apply(request, 'extendExpiry', { id: request.id, expiresAt: iso(NOW) }))
		).toMatchObject({ reason: DomainErrorReason.invalid, field: 'expiresAt' });
		expect(
			refusal(() => apply(request, 'extendExpiry', { id: request.id, expiresAt: iso(NOW + DAY) }))
		).toMatchObject({ reason: DomainErrorReason.invalid, field: 'expiresAt' });
		const expired = synced({ expiresAt: iso(NOW - MINUTE) });
		expect(
			conflictMessage(() =>
				apply(expired, 'extendExpiry', { id: expired.id, expiresAt: iso(NOW + DAY) })
			)
		).toBe('Cannot extend the expiry of a request that is expired');
	});

	it('drops the link until the server has made the new one', () => {
		const request = synced({ status: 'waiting' });
		expect(apply(request, 'regenerateLink', { id: request.id })).toEqual({
			...request,
			link: null,
			updatedAt: iso(NOW)
		});
		const closed = synced({ status: 'closed', closedReason: 'completed', link: null });
		expect(refusal(() => apply(closed, 'regenerateLink', { id: closed.id }))).toMatchObject({
			reason: DomainErrorReason.conflict
		});
	});
});

describe('a request this device does not have', () => {
	it('refuses every change but a create', () => {
		const id = randomUUID();
		for (const mutation of [
			{ name: 'updateRequest', args: { id, comments: 'x' } },
			{ name: 'takeRequest', args: { id } },
			{ name: 'closeRequest', args: { id } }
		] as Mutation[]) {
			expect(refusal(() => applyMutation(undefined, mutation, context()))).toBeInstanceOf(
				DomainError
			);
			expect(requestIdOf(mutation)).toBe(id);
		}
	});
});

/**
 * One request taken through a sequence of steps on a real server. Each mutation is applied
 * optimistically to the client's copy and pushed; then the client pulls. The optimistic outcome
 * must equal the server's: the same row, or the same refusal.
 */
describe('optimistic outcome = server outcome', () => {
	let server: TestServer;
	let clock = NOW;
	let agent: AuthUser;
	let colleague: AuthUser;
	let queueId: string;

	beforeAll(async () => {
		server = await startTestServer({ clock: () => clock });
		const [a, b] = await Promise.all([
			makeUser(server.app, 'agent', 'edit'),
			makeUser(server.app, 'agent', 'edit')
		]);
		queueId = createQueue(server.app, { name: 'Tier 1', memberIds: [a.id] }).id;
		agent = loadAuthUser(server.app, a.id)!;
		colleague = loadAuthUser(server.app, b.id)!;
	});
	afterAll(() => server?.close());

	type Step = Mutation | { endUser: 'open' | 'allow' | 'deny' | 'decline' } | { advance: number };

	/** The fields a mutation decides; timestamps and versions are the server's to set. */
	const decided = (r: SessionRequest) => ({
		status: r.status,
		closedReason: r.closedReason,
		connectRequested: r.connectRequested,
		assignment: r.assignment,
		recipientName: r.recipientName,
		recipientEmail: r.recipientEmail,
		sendEmail: r.sendEmail,
		emailLanguage: r.emailLanguage,
		comments: r.comments,
		scheduledAt: r.scheduledAt,
		expiresAt: r.expiresAt,
		createdBy: r.createdBy
	});

	/** Runs each step for `user`; the client must show the status written beside it. */
	function replay(user: AuthUser, script: [Step, Status][]) {
		const app = server.app;
		const clientId = randomUUID();
		let mutationId = 0;
		let cursor: string | null = null;
		let local: SessionRequest | undefined;
		let requestId = '';
		const shown: (Status | 'none')[] = [];
		const ctx = (): MutationContext => ({
			userId: user.id,
			isAdmin: user.role === 'admin',
			queueIds: user.queueIds,
			now: clock,
			defaultExpiryMs: defaultExpiryMs(app),
			defaultLanguage: getSettings(app).defaultLanguage
		});
		const pullInto = () => {
			const page = pull(app, user, { clientId, cursor });
			cursor = page.cursor;
			expect(page.lastMutationId).toBe(mutationId);
			return page.changes.find((r) => r.id === requestId) ?? local;
		};
		const sessionKeys = new Map<string, string>();
		for (const [step] of script) {
			if ('advance' in step) {
				clock += step.advance;
				local = pullInto();
			} else if ('endUser' in step) {
				const token = new URL(local!.link!).pathname.split('/s/')[1];
				// As the end user's page: it keeps the session key an allow returns.
				const page = { sessionKey: sessionKeys.get(token) };
				if (step.endUser === 'open') openLink(app, token, '127.0.0.1');
				else if (step.endUser === 'decline') declineRequest(app, token, '127.0.0.1', page);
				else {
					const answer = respondToConnect(app, token, step.endUser, '127.0.0.1', page);
					if (answer.sessionKey) sessionKeys.set(token, answer.sessionKey);
				}
				local = pullInto();
			} else {
				requestId = requestIdOf(step);
				let optimistic: SessionRequest | DomainError;
				try {
					optimistic = applyMutation(local, step, ctx());
				} catch (error) {
					if (!(error instanceof DomainError)) throw error;
					optimistic = error;
				}
				mutationId += 1;
				const { results } = push(app, user, {
					clientId,
					mutations: [{ id: mutationId, name: step.name, args: step.args }]
				});
				const label = `${step.name} ${JSON.stringify(step.args)}`;
				if (optimistic instanceof DomainError) {
					const error = results[0].error;
					expect(results[0].ok, label).toBe(false);
					expect(error?.code, label).toBe(ERROR_CODE_OF[optimistic.reason]);
					// The server may add what the device cannot know, e.g. who took it first.
					expect(error?.message.startsWith(optimistic.message), label).toBe(true);
				} else {
					expect(results[0], label).toEqual({ id: mutationId, ok: true });
				}
				const before = local;
				local = pullInto();
				if (optimistic instanceof DomainError) {
					expect(local, label).toEqual(before);
				} else {
					expect(decided(optimistic), label).toEqual(decided(local!));
					// Only the server makes links: a new one shows once it has synced.
					const newLink = ['createRequest', 'reopenRequest', 'regenerateLink'].includes(step.name);
					expect(optimistic.link, label).toBe(newLink ? null : before!.link);
					expect(local!.link === null, label).toBe(
						local!.status === 'closed' || local!.status === 'expired'
					);
				}
			}
			shown.push(
				local ? effectiveStatus(local.status, Date.parse(local.expiresAt), clock) : 'none'
			);
		}
		expect(shown).toEqual(script.map(([, status]) => status));
	}

	it('create, edit, close: closed by the agent', () => {
		const id = randomUUID();
		replay(agent, [
			[{ name: 'createRequest', args: { id, recipientName: ' Grace ', comments: 'VPN' } }, 'open'],
			[
				{
					name: 'updateRequest',
					args: { id, recipientEmail: 'grace@example.com', sendEmail: true, emailLanguage: 'es' }
				},
				'open'
			],
			[{ name: 'updateRequest', args: { id, sendEmail: true, recipientEmail: '' } }, 'open'],
			[{ name: 'updateRequest', args: { id, scheduledAt: iso(clock + DAY) } }, 'open'],
			[{ name: 'extendExpiry', args: { id, expiresAt: iso(clock + 3 * DAY) } }, 'open'],
			[{ name: 'regenerateLink', args: { id } }, 'open'],
			[{ name: 'closeRequest', args: { id } }, 'closed'],
			[{ name: 'closeRequest', args: { id } }, 'closed'],
			[{ name: 'updateRequest', args: { id, comments: 'too late' } }, 'closed']
		]);
	});

	it('a whole session: connect, allow, start, end', () => {
		const id = randomUUID();
		replay(agent, [
			[{ name: 'createRequest', args: { id, recipientName: 'Linus' } }, 'open'],
			[{ name: 'requestConnect', args: { id } }, 'open'],
			[{ name: 'startSession', args: { id } }, 'open'],
			[{ endUser: 'open' }, 'waiting'],
			[{ name: 'requestConnect', args: { id } }, 'waiting'],
			[{ name: 'startSession', args: { id } }, 'waiting'],
			[{ endUser: 'allow' }, 'ready'],
			[{ name: 'endSession', args: { id } }, 'ready'],
			[{ name: 'startSession', args: { id } }, 'connected'],
			[{ advance: 2 * 7 * DAY }, 'connected'],
			[{ name: 'updateRequest', args: { id, comments: 'still going' } }, 'connected'],
			[{ name: 'endSession', args: { id } }, 'closed'],
			[{ name: 'reopenRequest', args: { id } }, 'open'],
			[{ endUser: 'open' }, 'waiting'],
			[{ endUser: 'decline' }, 'closed'],
			[{ name: 'endSession', args: { id } }, 'closed']
		]);
	});

	it('expiry: a request past its expiry refuses changes until it is reopened', () => {
		const id = randomUUID();
		// Times are counted from before the two hours pass.
		const start = clock;
		replay(agent, [
			[
				{ name: 'createRequest', args: { id, recipientName: 'Ken', expiresAt: iso(start + HOUR) } },
				'open'
			],
			[{ advance: 2 * HOUR }, 'expired'],
			[{ name: 'closeRequest', args: { id } }, 'expired'],
			[{ name: 'updateRequest', args: { id, comments: 'x' } }, 'expired'],
			[{ name: 'extendExpiry', args: { id, expiresAt: iso(start + 5 * HOUR) } }, 'expired'],
			[{ name: 'takeRequest', args: { id } }, 'expired'],
			[{ name: 'reopenRequest', args: { id, expiresAt: iso(start + 30 * MINUTE) } }, 'expired'],
			[{ name: 'reopenRequest', args: { id } }, 'open'],
			[{ name: 'extendExpiry', args: { id, expiresAt: iso(start + 3 * DAY) } }, 'open']
		]);
	});

	it('queues and assignment: take, and what only the assigned agent may do', () => {
		const id = randomUUID();
		const toColleague = { kind: 'agent', userId: colleague.id } as const;
		replay(agent, [
			[
				{
					name: 'createRequest',
					args: { id, recipientName: 'Margaret', assignment: { kind: 'queue', queueId } }
				},
				'open'
			],
			[{ name: 'requestConnect', args: { id } }, 'open'],
			[{ name: 'takeRequest', args: { id } }, 'open'],
			[{ name: 'takeRequest', args: { id } }, 'open'],
			[{ name: 'assignRequest', args: { id, assignment: toColleague } }, 'open'],
			[{ name: 'takeRequest', args: { id } }, 'open'],
			[{ endUser: 'open' }, 'waiting'],
			[{ name: 'requestConnect', args: { id } }, 'waiting'],
			[{ name: 'assignRequest', args: { id, assignment: { kind: 'unassigned' } } }, 'waiting'],
			[{ name: 'requestConnect', args: { id } }, 'waiting'],
			[{ endUser: 'allow' }, 'ready'],
			[{ name: 'assignRequest', args: { id, assignment: toColleague } }, 'ready'],
			[{ name: 'startSession', args: { id } }, 'ready'],
			[{ name: 'closeRequest', args: { id } }, 'closed']
		]);
	});
});
