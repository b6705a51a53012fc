/**
 * Live-session signalling: WebRTC offers, answers, ICE candidates, hello and bye, relayed between
 * the end user's browser (authorised by the session link) and the agent's (the assigned agent or
 * an admin), only while the request is `ready` or `connected`.
 *
 * Ephemeral and in memory, never in the database: each request has a short buffer of recent
 * messages with increasing ids, so a subscriber that arrives late, or reconnects with its last
 * event id, gets what it missed. A buffer lives for BUFFER_MS after its last message and is
 * dropped as soon as a relay sees the session is over. With several instances on PostgreSQL,
 * every message is also relayed to the other instances' hubs (bus-postgres.ts), so the two
 * browsers may be connected to different ones.
 */
import { isSessionStatus } from '../../lib/domain/types';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { tracked } from '@trpc/server';
import { conflict, DomainError, DomainErrorReason, forbidden } from '../../lib/domain/errors';
import { effectiveStatus } from '../../lib/domain/rules';
import type { SignalEnvelope, SignalMessage } from '../../lib/link/session/signal-protocol';
import type { Beckon } from '../app';
import type { Change, InstanceRelay } from '../bus';
import type { SessionRequestRow } from '../db/schema';
import { RateLimiter } from '../rate-limit';
import { iceServersFor } from '../turn';
import { findRow, loadVisibleRow, assignmentOf } from './request-records';
import { requireEdit } from './requests';
import { resolveLink, verifiedLinkRow } from './link-page';
import { requireSessionKey } from './session-keys';
import { loadAuthUser, type AuthUser } from './users';
import { isGuest } from './co-session';
import { log } from '../log';
import { runTask } from '../tasks';

export type Side = SignalEnvelope['from'];
type SignalAgent = NonNullable<SignalEnvelope['agent']>;

/** Per request, the messages kept for late subscribers: the newest BUFFER_SIZE of BUFFER_MS. */
export const BUFFER_SIZE = 100;
export const BUFFER_MS = 2 * 60_000;
/** Messages per minute per end-user address and per agent: far above a real negotiation. */
export const SIGNAL_RATE_LIMIT = 300;

interface Stored {
	seq: number;
	at: number;
	from: Side;
	message: SignalMessage;
	/** Which agent sent it (agents' messages only): the end user's page tells agents apart. */
	agent?: SignalAgent;
}

/** One process's signalling state; see hubOf. */
class SignalHub {
	/** Event ids carry it, so an id from an earlier server process is recognised as foreign. */
	readonly epoch = randomBytes(4).toString('hex');
	readonly limits = {
		endUser: new RateLimiter(SIGNAL_RATE_LIMIT, 60_000),
		agent: new RateLimiter(SIGNAL_RATE_LIMIT, 60_000)
	};
	readonly #buffers = new Map<string, Stored[]>();
	readonly #emitter = new EventEmitter();
	#seq = 0;

	constructor(private readonly relay: InstanceRelay | null = null) {
		this.#emitter.setMaxListeners(0);
	}

	/** A message from a browser connected here: kept, handed to listeners, and relayed. */
	publish(requestId: string, from: Side, message: SignalMessage, now: number, agent?: SignalAgent) {
		this.keep(requestId, from, message, now, agent);
		this.relay?.publishSignal({ requestId, from, message, ...(agent && { agent }) });
	}

	/** A message, from here or relayed by another instance: kept and handed to listeners. */
	keep(requestId: string, from: Side, message: SignalMessage, now: number, agent?: SignalAgent) {
		this.#prune(now);
		const stored: Stored = { seq: ++this.#seq, at: now, from, message, ...(agent && { agent }) };
		const buffer = this.#buffers.get(requestId) ?? [];
		buffer.push(stored);
		if (buffer.length > BUFFER_SIZE) buffer.splice(0, buffer.length - BUFFER_SIZE);
		this.#buffers.set(requestId, buffer);
		this.#emitter.emit(requestId, stored);
	}

	/** Buffered messages for `to` after `afterSeq`, oldest first. */
	recent(requestId: string, to: Side, afterSeq: number, now: number): Stored[] {
		return (this.#buffers.get(requestId) ?? []).filter(
			(m) => m.from !== to && m.seq > afterSeq && now - m.at <= BUFFER_MS
		);
	}

	listen(requestId: string, listener: (stored: Stored) => void): () => void {
		this.#emitter.on(requestId, listener);
		return () => this.#emitter.off(requestId, listener);
	}

	clear(requestId: string) {
		this.#buffers.delete(requestId);
	}

	eventId(seq: number) {
		return `${this.epoch}.${seq}`;
	}

	/** The sequence number inside one of our event ids; 0 (everything buffered) for others. */
	seqOf(eventId: string | null | undefined): number {
		const [epoch, seq] = (eventId ?? '').split('.');
		return epoch === this.epoch && /^\d+$/.test(seq ?? '') ? Number(seq) : 0;
	}

	#prune(now: number) {
		for (const [requestId, buffer] of this.#buffers) {
			const last = buffer[buffer.length - 1];
			if (!last || now - last.at > BUFFER_MS) this.#buffers.delete(requestId);
		}
	}
}

// Keyed by the running Beckon, so each test app (and the one server) has its own, and the state
// goes with the app.
const hubs = new WeakMap<Beckon, SignalHub>();

export function hubOf(app: Beckon): SignalHub {
	let hub = hubs.get(app);
	if (!hub) {
		const created = new SignalHub(app.relay);
		app.relay?.onSignal(({ requestId, from, message, agent }) =>
			created.keep(requestId, from, message, app.clock(), agent)
		);
		hubs.set(app, (hub = created));
	}
	return hub;
}

function inSession(app: Beckon, row: SessionRequestRow): boolean {
	return isSessionStatus(effectiveStatus(row.status, row.expiresAt, app.clock()));
}

function requireInSession(app: Beckon, row: SessionRequestRow) {
	if (!inSession(app, row)) {
		const status = effectiveStatus(row.status, row.expiresAt, app.clock());
		throw conflict(`No session is allowed on a request that is ${status}`);
	}
}

function rateLimit(limiter: RateLimiter, key: string, now: number) {
	if (!limiter.take(key, now)) {
		throw new DomainError(DomainErrorReason.rateLimited, 'Too many signalling messages; slow down');
	}
}

// ——— the end user, by session link ———

/** The request behind a live link whose end user has allowed a session. */
/**
 * The request behind a live link whose end user has allowed a session, asked by the page that
 * allowed it (its session key: session-keys.ts).
 */
function endUserSessionRow(
	app: Beckon,
	token: string,
	clientAddress: string,
	sessionKey: string | undefined
) {
	// Signalling has its own (larger) budget; unknown tokens still burn the enumeration budget.
	const row = resolveLink(app, token, clientAddress, hubOf(app).limits.endUser);
	requireInSession(app, row);
	requireSessionKey(app, row, sessionKey);
	return row;
}

export function sendFromEndUser(
	app: Beckon,
	token: string,
	message: SignalMessage,
	clientAddress: string,
	sessionKey?: string
) {
	const row = endUserSessionRow(app, token, clientAddress, sessionKey);
	hubOf(app).publish(row.id, 'end_user', message, app.clock());
	return { ok: true as const };
}

export function endUserIceServers(
	app: Beckon,
	token: string,
	clientAddress: string,
	sessionKey?: string
) {
	const row = endUserSessionRow(app, token, clientAddress, sessionKey);
	return { iceServers: iceServersFor(app.config, row.id, 'end_user', app.clock()) };
}

/**
 * The end user's stream of the agent's messages. The link is checked before the stream starts
 * (a refusal is an ordinary answer), on the thread that has the database.
 */
export async function endUserSignals(
	app: Beckon,
	token: string,
	lastEventId: string | null | undefined,
	clientAddress: string,
	signal: AbortSignal,
	sessionKey?: string
) {
	const requestId = await runTask(app, 'signals.endUser', token, clientAddress, sessionKey);
	return relay(app, requestId, 'end_user', lastEventId, signal, {
		concerns: (change) => change.requestId === requestId,
		stillAllowed: () => runTask(app, 'signals.endUserAllowed', token, sessionKey)
	});
}

/** The request an end user's signalling stream is for (task: where the database is). */
export function endUserSessionId(
	app: Beckon,
	token: string,
	clientAddress: string,
	sessionKey?: string
): string {
	return endUserSessionRow(app, token, clientAddress, sessionKey).id;
}

/**
 * Whether the end user's link still opens a session for this page (task): allowed again from
 * another page, this one's key no longer holds.
 */
export function endUserStillAllowed(app: Beckon, token: string, sessionKey?: string): boolean {
	const current = verifiedLinkRow(app, token);
	if (current === null || !inSession(app, current)) return false;
	try {
		requireSessionKey(app, current, sessionKey);
		return true;
	} catch {
		return false;
	}
}

// ——— the agent ———

/**
 * The assigned agent or an admin, with edit permission, on a request they can see; or a
 * colleague they invited into the running session (co-session.ts).
 */
function agentSessionRow(app: Beckon, user: AuthUser, requestId: string) {
	requireEdit(user);
	// An invited colleague takes part in the session without seeing the request's record.
	const invited = findRow(app, requestId);
	const row =
		invited && isGuest(app, invited, user.id) ? invited : loadVisibleRow(app, user, requestId);
	const assignment = assignmentOf(row);
	const assignedToUser = assignment.kind === 'agent' && assignment.userId === user.id;
	if (user.role !== 'admin' && !assignedToUser && !isGuest(app, row, user.id)) {
		throw forbidden('Only the assigned agent or an admin can join this session');
	}
	requireInSession(app, row);
	return row;
}

export function sendFromAgent(
	app: Beckon,
	user: AuthUser,
	input: { id: string; message: SignalMessage }
) {
	rateLimit(hubOf(app).limits.agent, user.id, app.clock());
	const row = agentSessionRow(app, user, input.id);
	hubOf(app).publish(row.id, 'agent', input.message, app.clock(), {
		id: user.id,
		name: user.name
	});
	return { ok: true as const };
}

export function agentIceServers(app: Beckon, user: AuthUser, input: { id: string }) {
	const row = agentSessionRow(app, user, input.id);
	return { iceServers: iceServersFor(app.config, row.id, 'agent', app.clock()) };
}

export async function agentSignals(
	app: Beckon,
	user: AuthUser,
	input: { id: string; lastEventId?: string | null },
	signal: AbortSignal
) {
	const requestId = await runTask(app, 'signals.agent', user, input.id);
	return relay(app, requestId, 'agent', input.lastEventId, signal, {
		// A change of the agent (deactivated, demoted, permission taken) ends the stream at once,
		// not at the request's next change.
		concerns: (change) => change.requestId === requestId || !!change.userIds?.includes(user.id),
		stillAllowed: () => runTask(app, 'signals.agentAllowed', user.id, requestId)
	});
}

/** The request an agent's signalling stream is for, or the refusal (task). */
export function agentSessionId(app: Beckon, user: AuthUser, requestId: string): string {
	return agentSessionRow(app, user, requestId).id;
}

/**
 * Whether the agent may still take part (task): permission, assignment and status may all have
 * changed since the stream opened.
 */
export function agentStillAllowed(app: Beckon, userId: string, requestId: string): boolean {
	const current = loadAuthUser(app, userId);
	if (!current || !findRow(app, requestId)) return false;
	try {
		agentSessionRow(app, current, requestId);
		return true;
	} catch {
		return false;
	}
}

// ——— the relay ———

/**
 * Streams the messages addressed to `to`: first the buffered ones after `lastEventId`, then new
 * ones as they come (listening starts before the backfill, so nothing falls between). After every
 * change that `concerns` the subscriber (of the request, or of the agent) `stillAllowed` is asked
 * again; once it says no, the session is over for this subscriber: the stream ends, and when a
 * change of the request was the cause its buffer is dropped.
 */
async function* relay(
	app: Beckon,
	requestId: string,
	to: Side,
	lastEventId: string | null | undefined,
	signal: AbortSignal,
	rules: { concerns: (change: Change) => boolean; stillAllowed: () => Promise<boolean> }
) {
	const hub = hubOf(app);
	const stop = new AbortController();
	const until = AbortSignal.any([signal, stop.signal]);
	const queue: Stored[] = [];
	let recheck = false;
	let sessionChanged = false;
	let closed = false;
	let wake: (() => void) | null = null;
	const notify = () => {
		const resume = wake;
		wake = null;
		resume?.();
	};
	const unlisten = hub.listen(requestId, (stored) => {
		if (stored.from === to) return;
		// Bounded: the newest BUFFER_SIZE are kept, as in the hub's buffer.
		if (queue.length >= BUFFER_SIZE) queue.shift();
		queue.push(stored);
		notify();
	});
	until.addEventListener('abort', notify);
	void (async () => {
		try {
			for await (const change of app.bus.changes(until, rules.concerns)) {
				recheck = true;
				if (change.requestId === requestId || change.everyone) sessionChanged = true;
				notify();
			}
		} finally {
			// The subscriber left, the server is shutting down, or the bus failed: end the stream.
			closed = true;
			notify();
		}
	})().catch((error) => log.error({ err: error }, 'signalling relay stopped'));

	const envelope = (stored: Stored) =>
		tracked(hub.eventId(stored.seq), {
			from: stored.from,
			at: new Date(stored.at).toISOString(),
			message: stored.message,
			...(stored.agent && { agent: stored.agent })
		} satisfies SignalEnvelope);

	try {
		let last = hub.seqOf(lastEventId);
		for (const stored of hub.recent(requestId, to, last, app.clock())) {
			last = stored.seq;
			yield envelope(stored);
		}
		while (!closed && !until.aborted) {
			if (recheck) {
				recheck = false;
				if (!(await rules.stillAllowed())) {
					// A change of the request ended it: forget its messages. (An agent demoted alone
					// leaves the session, and its messages, to the others.)
					if (sessionChanged) hub.clear(requestId);
					return;
				}
				sessionChanged = false;
			}
			const next = queue.shift();
			if (next) {
				if (next.seq > last) {
					last = next.seq;
					yield envelope(next);
				}
				continue;
			}
			await new Promise<void>((resolve) => (wake = resolve));
		}
	} finally {
		unlisten();
		until.removeEventListener('abort', notify);
		stop.abort();
	}
}
