/**
 * What the end user can do with a session link: see the request, open it (which also keeps
 * presence fresh), answer a connect request, or decline. Public, so every call is rate-limited
 * per client address, and answers never reveal whether a request exists.
 */
import { eq } from 'drizzle-orm';
import { DomainError, DomainErrorReason, notFound } from '../../lib/domain/errors';
import { effectiveStatus, toIso } from '../../lib/domain/rules';
import { END_USER_ACTOR, type Language, type Status } from '../../lib/domain/types';
import { write, type Beckon } from '../app';
import { sessionRequests, type SessionRequestRow } from '../db/schema';
import { claimedRequestId, verifyLinkToken } from './link-tokens';
import { findRow, recordChange, userName } from './request-records';
import { getSettings } from './settings';

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

const LINK_NOT_VALID =
	'This session link is not valid. It may have been replaced by a newer link; ask your support agent for a new one.';
const LINK_EXPIRED = 'This session link has expired. Ask your support agent for a new one.';
const LINK_CLOSED = 'This support session has been closed. Thank you!';

function rateLimit(app: Beckon, clientAddress: string) {
	if (!app.limits.link.take(clientAddress, app.clock())) {
		throw new DomainError(
			DomainErrorReason.rateLimited,
			'Too many requests; try again in a minute'
		);
	}
}

/** The live request behind a token, or NOT_FOUND with the explanation the page shows. */
export function resolveLink(app: Beckon, token: string, clientAddress: string): SessionRequestRow {
	rateLimit(app, clientAddress);
	const requestId = claimedRequestId(token);
	const row = requestId ? findRow(app, requestId) : undefined;
	const valid =
		requestId !== null && verifyLinkToken(app.secret, token, requestId, row?.linkVersion ?? null);
	if (!row || !valid) {
		// Guessing tokens burns a much smaller allowance than using a real one.
		if (!app.limits.linkMisses.take(clientAddress, app.clock())) {
			throw new DomainError(DomainErrorReason.rateLimited, 'Too many requests; try again later');
		}
		throw notFound(LINK_NOT_VALID);
	}
	const status = effectiveStatus(row.status, row.expiresAt, app.clock());
	if (status === 'expired') throw notFound(LINK_EXPIRED);
	if (status === 'closed') throw notFound(LINK_CLOSED);
	return row;
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

/** The end user is on the page: open → waiting the first time, presence every time. */
export function openLink(app: Beckon, token: string, clientAddress: string): LinkView {
	const row = write(app, () => {
		const current = resolveLink(app, token, clientAddress);
		const now = app.clock();
		const wasAway =
			current.endUserSeenAt === null || now - current.endUserSeenAt > PRESENCE_FRESH_MS;
		if (current.status === 'open' || wasAway) {
			return recordChange(app, current, {
				action: 'openLink',
				actor: END_USER_ACTOR,
				patch: { endUserSeenAt: now },
				event: { type: 'link_opened', data: { firstOpen: current.status === 'open' } }
			});
		}
		// A heartbeat from a page that is already known to be open: no version, no event.
		return app.db
			.update(sessionRequests)
			.set({ endUserSeenAt: now })
			.where(eq(sessionRequests.id, current.id))
			.returning()
			.get() as SessionRequestRow;
	});
	return linkView(app, row);
}

export function respondToConnect(
	app: Beckon,
	token: string,
	decision: 'allow' | 'deny',
	clientAddress: string
): LinkView {
	const row = write(app, () =>
		recordChange(app, resolveLink(app, token, clientAddress), {
			action: decision,
			actor: END_USER_ACTOR,
			patch: { endUserSeenAt: app.clock() },
			event: { type: decision === 'allow' ? 'access_allowed' : 'access_denied' }
		})
	);
	return linkView(app, row);
}

export function declineRequest(app: Beckon, token: string, clientAddress: string): LinkView {
	const row = write(app, () =>
		recordChange(app, resolveLink(app, token, clientAddress), {
			action: 'decline',
			actor: END_USER_ACTOR,
			event: { type: 'declined' }
		})
	);
	return linkView(app, row);
}

/**
 * The link page's live view: the current state at once, then again after every change of the
 * request, until the link dies (the final state is sent, then the stream ends). The token is
 * checked before the stream starts, so a dead link is refused like any other call.
 */
export function watchLink(
	app: Beckon,
	token: string,
	clientAddress: string,
	signal: AbortSignal
): AsyncGenerator<LinkView> {
	const first = resolveLink(app, token, clientAddress);
	return (async function* () {
		yield linkView(app, first);
		for await (const change of app.bus.changes(signal)) {
			if (change.requestId !== first.id) continue;
			const row = findRow(app, first.id);
			if (!row || !verifyLinkToken(app.secret, token, row.id, row.linkVersion)) return;
			const view = linkView(app, row);
			yield view;
			if (view.status === 'closed' || view.status === 'expired') return;
		}
	})();
}
