/**
 * What the end user can do with a session link: see the request, open it (which also keeps
 * presence fresh), answer a connect request, or decline. Public, so every call is rate-limited
 * per client address, and answers never reveal whether a request exists.
 */
import { issueSessionKey, requireSessionKey } from './session-keys';
import {
	DomainError,
	DomainErrorReason,
	linkDead,
	type DeadLinkKind
} from '../../lib/domain/errors';
import { effectiveStatus, toIso } from '../../lib/domain/rules';
import { END_USER_ACTOR, isTerminal, type Language, type Status } from '../../lib/domain/types';
import { write, type Beckon } from '../app';
import type { SessionRequestRow } from '../db/schema';
import { addressKey, type RateLimiter } from '../rate-limit';
import { claimedRequestId, verifyLinkToken } from './link-tokens';
import { mailForClose } from './mail-triggers';
import {
	findRow,
	recordChange,
	recordPresence,
	userName,
	type ChangeSpec
} from './request-records';
import { getSettings } from './settings';
import { runTask } from '../tasks';

export interface LinkView {
	status: Status;
	recipientName: string;
	agentName: string;
	organization: string;
	scheduledAt: string | null;
	expiresAt: string;
	language: Language;
	connectRequested: boolean;
}

/** Presence older than this counts as "not on the page": re-appearing is worth a sync. */
export const PRESENCE_FRESH_MS = 60_000;
/**
 * How stale the presence agents see may get while the page stays open: well inside their
 * one-minute "Online now" window, with the page's ~20 s heartbeat, so one every ~40 s is synced.
 */
export const PRESENCE_SYNC_MS = 30_000;

/**
 * A dead link's refusal: NOT_FOUND with reason `link_dead` and `detail` saying which kind, which
 * the link page explains in the visitor's language (it never says more, so nothing reveals which
 * requests exist). The message is for API callers reading the answer.
 */
const DEAD_LINK_MESSAGES: Record<DeadLinkKind, string> = {
	invalid:
		'This session link is not valid. It may have been replaced by a newer link; ask your support agent for a new one.',
	expired: 'This session link has expired. Ask your support agent for a new one.',
	closed: 'This support session has been closed. Thank you!'
};
const deadLink = (kind: DeadLinkKind) => linkDead(kind, DEAD_LINK_MESSAGES[kind]);

function rateLimit(app: Beckon, limiter: RateLimiter, clientAddress: string) {
	if (!limiter.take(clientAddress, app.clock())) {
		throw new DomainError(
			DomainErrorReason.rateLimited,
			'Too many requests; try again in a minute'
		);
	}
}

/**
 * The live request behind a token, or NOT_FOUND with the explanation the page shows. Each call
 * counts against `limiter` (the link calls' budget unless the caller has its own, as signalling
 * does); tokens that do not resolve always count against the enumeration budget too.
 */
export function resolveLink(
	app: Beckon,
	token: string,
	clientAddress: string,
	limiter: RateLimiter = app.limits.link
): SessionRequestRow {
	const address = addressKey(clientAddress);
	rateLimit(app, limiter, address);
	const requestId = claimedRequestId(token);
	const row = requestId ? findRow(app, requestId) : undefined;
	const valid =
		requestId !== null && verifyLinkToken(app.secret, token, requestId, row?.linkVersion ?? null);
	if (!row || !valid) {
		// Guessing tokens burns a much smaller allowance than using a real one.
		if (!app.limits.linkMisses.take(address, app.clock())) {
			throw new DomainError(DomainErrorReason.rateLimited, 'Too many requests; try again later');
		}
		throw deadLink('invalid');
	}
	const status = effectiveStatus(row.status, row.expiresAt, app.clock());
	if (status === 'expired') throw deadLink('expired');
	if (status === 'closed') throw deadLink('closed');
	return row;
}

/** The request whose current link `token` is, or null; no rate limit (for open streams). */
export function verifiedLinkRow(app: Beckon, token: string): SessionRequestRow | null {
	const requestId = claimedRequestId(token);
	const row = requestId ? findRow(app, requestId) : undefined;
	return row && verifyLinkToken(app.secret, token, row.id, row.linkVersion) ? row : null;
}

export function linkView(app: Beckon, row: SessionRequestRow): LinkView {
	const organization = getSettings(app).organizationName;
	return {
		status: effectiveStatus(row.status, row.expiresAt, app.clock()),
		recipientName: row.recipientName,
		agentName: userName(app, row.assigneeId) ?? userName(app, row.createdBy) ?? organization,
		organization,
		scheduledAt: toIso(row.scheduledAt),
		expiresAt: toIso(row.expiresAt),
		language: row.emailLanguage,
		connectRequested: row.status === 'waiting' && row.connectRequested
	};
}

export function getLink(app: Beckon, token: string, clientAddress: string): LinkView {
	return linkView(app, resolveLink(app, token, clientAddress));
}

/** What an end-user event records of the page acting: its address and browser. */
export interface EndUserClient {
	userAgent?: string | null;
	/** The key the page got when it allowed the session (session-keys.ts). */
	sessionKey?: string;
}

const clientData = (clientAddress: string, client: EndUserClient) => ({
	client: { address: clientAddress, userAgent: client.userAgent?.slice(0, 300) ?? null }
});

/** A change the page makes with its token alone, recorded as this address and page. */
export type PageChange = (
	app: Beckon,
	token: string,
	clientAddress: string,
	client?: EndUserClient
) => LinkView;

/**
 * The end user is on the page (the page reports every ~20 s): open → waiting the first time, and
 * back after a minute away is an event. In between, presence reaches agents' devices as a
 * synced change at most every PRESENCE_SYNC_MS, so their "Online now" stays true while the page
 * stays open; heartbeats sooner than that write nothing.
 */
export const openLink: PageChange = (app, token, clientAddress, client = {}) => {
	const row = write(app, () => {
		const current = resolveLink(app, token, clientAddress);
		const now = app.clock();
		const sinceSeen = current.endUserSeenAt === null ? Infinity : now - current.endUserSeenAt;
		if (current.status === 'open' || sinceSeen > PRESENCE_FRESH_MS) {
			return recordChange(app, current, {
				action: 'openLink',
				actor: END_USER_ACTOR,
				patch: { endUserSeenAt: now },
				event: {
					type: 'link_opened',
					data: { firstOpen: current.status === 'open', ...clientData(clientAddress, client) }
				}
			});
		}
		if (sinceSeen >= PRESENCE_SYNC_MS) return recordPresence(app, current, now);
		return current;
	});
	return linkView(app, row);
};

/**
 * The end user's answer to a connect request. Allowing binds the session to this page: the
 * answer carries the session key (session-keys.ts) that the page's later session calls need.
 * Withdrawing consent during a session needs it too.
 */
export function respondToConnect(
	app: Beckon,
	token: string,
	decision: 'allow' | 'deny',
	clientAddress: string,
	client: EndUserClient = {}
): LinkView & { sessionKey?: string } {
	const { row, sessionKey } = write(app, () => {
		const current = resolveLink(app, token, clientAddress);
		if (decision === 'deny') requireSessionKey(app, current, client.sessionKey);
		const changed = recordChange(app, current, {
			action: decision,
			actor: END_USER_ACTOR,
			patch: { endUserSeenAt: app.clock() },
			event: {
				type: decision === 'allow' ? 'access_allowed' : 'access_denied',
				data: clientData(clientAddress, client)
			}
		});
		return {
			row: changed,
			sessionKey: decision === 'allow' ? issueSessionKey(app, changed.id) : undefined
		};
	});
	return sessionKey ? { ...linkView(app, row), sessionKey } : linkView(app, row);
}

export const declineRequest: PageChange = (app, token, clientAddress, client = {}) =>
	closeByEndUser(app, token, clientAddress, client, {
		action: 'decline',
		event: { type: 'declined', data: clientData(clientAddress, client) }
	});

/** The end user ends the session in progress: `connected` → `closed` (completed). */
export const endSession: PageChange = (app, token, clientAddress, client = {}) =>
	closeByEndUser(app, token, clientAddress, client, {
		action: 'end',
		patch: { endUserSeenAt: app.clock() },
		event: { type: 'session_ended', data: { by: 'end_user', ...clientData(clientAddress, client) } }
	});

/**
 * A change by which the end user closes the request (declining it, or ending the session): it
 * needs the page's session key once one was issued, and mails the close like any other.
 */
function closeByEndUser(
	app: Beckon,
	token: string,
	clientAddress: string,
	client: EndUserClient,
	change: Omit<ChangeSpec, 'actor'>
): LinkView {
	const row = write(app, () => {
		const current = resolveLink(app, token, clientAddress);
		requireSessionKey(app, current, client.sessionKey);
		const closed = recordChange(app, current, { ...change, actor: END_USER_ACTOR });
		mailForClose(app, closed);
		return closed;
	});
	return linkView(app, row);
}

/**
 * The link page's live view: the current state at once, then again after every change of the
 * request, until the link dies (the final state is sent, then the stream ends). The token is
 * checked before the stream starts, so a dead link is refused like any other call.
 */
export async function watchLink(
	app: Beckon,
	token: string,
	clientAddress: string,
	signal: AbortSignal
): Promise<AsyncGenerator<LinkView>> {
	const first = await runTask(app, 'link.watch', token, clientAddress);
	return (async function* () {
		yield first.view;
		for await (const _ of app.bus.changes(
			signal,
			(change) => change.requestId === first.requestId
		)) {
			const view = await runTask(app, 'link.view', token);
			if (!view) return;
			yield view;
			if (isTerminal(view.status)) return;
		}
	})();
}

/** A link watch's start (task): the request and its view, or the refusal. */
export function watchStart(
	app: Beckon,
	token: string,
	clientAddress: string
): { requestId: string; view: LinkView } {
	const row = resolveLink(app, token, clientAddress);
	return { requestId: row.id, view: linkView(app, row) };
}

/** The view of the request whose current link `token` is, or null once it is not (task). */
export function currentView(app: Beckon, token: string): LinkView | null {
	const row = verifiedLinkRow(app, token);
	return row ? linkView(app, row) : null;
}
