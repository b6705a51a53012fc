/**
 * A second agent in a live session: the assigned agent invites a colleague with edit permission
 * into a connected session. The invite lets the colleague into the session (screen, chat,
 * pointer, the recipient's name) but not into the request's record: an agent's request is only
 * visible to its agent, its creator and admins (domain/visibility.ts), so requiring the colleague
 * to see it would leave only admins to invite; after a hand-over they see it as its agent.
 * The colleague joins the signalling (signalling.ts lets a guest in), the end user sees who
 * watches and may remove the colleague (who cannot be invited into that session again), and the
 * owner may hand the session over to the colleague.
 *
 * Who is invited is kept in the database (`session_guests`), not beside the signalling hub: the
 * right to the session is judged where the database is (on the database thread of each
 * instance, by tasks), so a row is what every instance and thread sees at once, and a removal
 * holds on every instance without a relay of its own. An invite counts only for the session it
 * was made in: made at or after the moment the request became `connected` (its
 * `statusChangedAt`), while it still is; nothing needs clearing when the session ends.
 *
 * One colleague at a time: the end user's browser sends its screen to each agent over its own
 * peer connection (a mesh, docs/architecture.md), so two viewers are the most it carries.
 */
import { and, eq } from 'drizzle-orm';
import { conflict, forbidden, invalid, notFound } from '../../lib/domain/errors';
import { planHandOver } from '../../lib/domain/plans';
import { canEdit, effectiveStatus } from '../../lib/domain/rules';
import { write, type Beckon } from '../app';
import { sessionGuests, users, type SessionRequestRow } from '../db/schema';
import { resolveLink } from './link-page';
import {
	assignmentColumns,
	assignmentOf,
	findRow,
	loadVisibleRow,
	recordChange,
	toSessionRequest
} from './request-records';
import { requireEdit } from './requests';
import { requireSessionKey } from './session-keys';
import { loadAuthUser, type AuthUser } from './users';
import type { SessionRequest } from '../../lib/domain/types';

/** Colleagues in a session besides its owner. */
export const MAX_GUESTS = 1;

export interface SessionGuest {
	userId: string;
	name: string;
	invitedBy: string;
	invitedAt: number;
}

function isConnected(app: Beckon, row: SessionRequestRow) {
	return effectiveStatus(row.status, row.expiresAt, app.clock()) === 'connected';
}

/** Every invite of the session running now on `row`, removed ones included. */
function invitesOfSession(app: Beckon, row: SessionRequestRow) {
	if (!isConnected(app, row)) return [];
	return app.db
		.select({
			userId: sessionGuests.userId,
			name: users.name,
			invitedBy: sessionGuests.invitedBy,
			invitedAt: sessionGuests.invitedAt,
			removedAt: sessionGuests.removedAt
		})
		.from(sessionGuests)
		.innerJoin(users, eq(users.id, sessionGuests.userId))
		.where(eq(sessionGuests.requestId, row.id))
		.all()
		.filter((g) => g.invitedAt >= row.statusChangedAt);
}

/** The colleagues invited into the session running now on `row` (none when none runs). */
export function guestsOf(app: Beckon, row: SessionRequestRow): SessionGuest[] {
	return invitesOfSession(app, row)
		.filter((g) => g.removedAt === null)
		.map(({ userId, name, invitedBy, invitedAt }) => ({ userId, name, invitedBy, invitedAt }));
}

/** Whether `userId` is an invited colleague in the session running now on `row`. */
export function isGuest(app: Beckon, row: SessionRequestRow, userId: string): boolean {
	return guestsOf(app, row).some((g) => g.userId === userId);
}

function isOwner(row: SessionRequestRow, user: AuthUser) {
	const assignment = assignmentOf(row);
	return assignment.kind === 'agent' && assignment.userId === user.id;
}

/** Tells the colleague's and the request's listeners (streams re-check their right). */
function announce(app: Beckon, requestId: string, userIds: string[]) {
	app.bus.hold({ requestId, userIds });
}

/** The owner (or an admin) of a connected session, who may invite and hand over. */
function ownedSessionRow(app: Beckon, user: AuthUser, requestId: string) {
	requireEdit(user);
	const row = loadVisibleRow(app, user, requestId);
	if (!isOwner(row, user) && user.role !== 'admin') {
		throw forbidden('Only the assigned agent or an admin can invite a colleague');
	}
	if (!isConnected(app, row)) {
		throw conflict('A colleague can only join a connected live session');
	}
	return row;
}

export function inviteToSession(
	app: Beckon,
	user: AuthUser,
	input: { id: string; userId: string }
): { guests: SessionGuest[] } {
	return write(app, () => {
		const row = ownedSessionRow(app, user, input.id);
		const assignment = assignmentOf(row);
		const ownerId = assignment.kind === 'agent' ? assignment.userId : null;
		if (input.userId === user.id || input.userId === ownerId) {
			throw invalid('userId', 'is already in this session');
		}
		const colleague = loadAuthUser(app, input.userId);
		if (!colleague) throw invalid('userId', 'is not an active user');
		if (!canEdit(colleague)) throw invalid('userId', 'has no edit permission');
		if (invitesOfSession(app, row).some((g) => g.userId === input.userId && g.removedAt !== null)) {
			throw conflict(`${row.recipientName} removed this colleague from the session`);
		}
		const current = guestsOf(app, row);
		if (current.some((g) => g.userId === input.userId)) return { guests: current };
		if (current.length >= MAX_GUESTS) {
			throw conflict(`${current[0]?.name ?? 'A colleague'} is already watching this session`);
		}
		app.db
			.insert(sessionGuests)
			.values({
				requestId: row.id,
				userId: input.userId,
				invitedBy: user.id,
				invitedAt: app.clock()
			})
			.onConflictDoUpdate({
				target: [sessionGuests.requestId, sessionGuests.userId],
				set: { invitedBy: user.id, invitedAt: app.clock(), removedAt: null }
			})
			.run();
		announce(app, row.id, [input.userId]);
		return { guests: guestsOf(app, row) };
	});
}

/** Who is in a session (for the agents in it): the owner and the invited colleagues. */
export function sessionParticipants(app: Beckon, user: AuthUser, input: { id: string }) {
	requireEdit(user);
	const found = findRow(app, input.id);
	const invited = found ? guestsOf(app, found) : [];
	// A guest sees who is in the session, not the request's record.
	const row = invited.some((g) => g.userId === user.id)
		? (found as SessionRequestRow)
		: loadVisibleRow(app, user, input.id);
	const guests = guestsOf(app, row);
	const assignment = assignmentOf(row);
	const ownerId = assignment.kind === 'agent' ? assignment.userId : null;
	if (!isOwner(row, user) && user.role !== 'admin' && !guests.some((g) => g.userId === user.id)) {
		throw forbidden('You are not in this session');
	}
	const owner = ownerId
		? app.db.select({ name: users.name }).from(users).where(eq(users.id, ownerId)).get()
		: undefined;
	return {
		owner: ownerId ? { userId: ownerId, name: owner?.name ?? '' } : null,
		guests
	};
}

/** The live sessions `user` is invited into now: for their app's notice and the detail's Join. */
export function invitesOf(app: Beckon, userId: string) {
	const rows = app.db
		.select({ requestId: sessionGuests.requestId })
		.from(sessionGuests)
		.where(eq(sessionGuests.userId, userId))
		.all();
	const invites: { requestId: string; recipientName: string; invitedBy: string }[] = [];
	for (const { requestId } of rows) {
		const row = findRow(app, requestId);
		if (!row) continue;
		const guest = guestsOf(app, row).find((g) => g.userId === userId);
		if (!guest) continue;
		const by = app.db
			.select({ name: users.name })
			.from(users)
			.where(eq(users.id, guest.invitedBy))
			.get();
		invites.push({ requestId, recipientName: row.recipientName, invitedBy: by?.name ?? '' });
	}
	return invites;
}

export function myInvites(app: Beckon, user: AuthUser) {
	requireEdit(user);
	return { invites: invitesOf(app, user.id) };
}

/**
 * The end user removes a colleague from the session (not its owner: ending the session is how
 * they stop that one). The colleague's signalling is refused from now on and their stream ends.
 */
export function removeFromSession(
	app: Beckon,
	input: { token: string; userId: string; sessionKey?: string },
	clientAddress: string
): { ok: true } {
	return write(app, () => {
		const row = resolveLink(app, input.token, clientAddress);
		if (!isConnected(app, row)) throw conflict('No live session is running');
		requireSessionKey(app, row, input.sessionKey);
		if (!isGuest(app, row, input.userId)) {
			throw notFound('Nobody by that id is watching this session');
		}
		app.db
			.update(sessionGuests)
			.set({ removedAt: app.clock() })
			.where(and(eq(sessionGuests.requestId, row.id), eq(sessionGuests.userId, input.userId)))
			.run();
		announce(app, row.id, [input.userId]);
		return { ok: true as const };
	});
}

/**
 * The owner hands the session to the colleague watching with them: the colleague becomes the
 * assigned agent (a `transferred` event), and the former owner stays in the session as the
 * colleague (`stay`, the default) or leaves it.
 */
export function handOverSession(
	app: Beckon,
	user: AuthUser,
	input: { id: string; userId: string; stay?: boolean }
): SessionRequest {
	const row = write(app, () => {
		requireEdit(user);
		const current = loadVisibleRow(app, user, input.id);
		if (!isGuest(app, current, input.userId)) {
			throw invalid('userId', 'is not watching this session');
		}
		const now = app.clock();
		const plan = planHandOver({ ...current, assignment: assignmentOf(current) }, input.userId, {
			userId: user.id,
			isAdmin: user.role === 'admin',
			queueIds: user.queueIds,
			now
		});
		const updated = recordChange(app, current, {
			action: plan.action,
			actor: user.id,
			patch: assignmentColumns(plan.to),
			event: { type: 'transferred', data: { from: plan.from, to: plan.to, note: plan.note } }
		});
		app.db
			.delete(sessionGuests)
			.where(and(eq(sessionGuests.requestId, current.id), eq(sessionGuests.userId, input.userId)))
			.run();
		const formerOwner = plan.from.kind === 'agent' ? plan.from.userId : null;
		if (formerOwner && input.stay !== false) {
			app.db
				.insert(sessionGuests)
				.values({
					requestId: current.id,
					userId: formerOwner,
					invitedBy: input.userId,
					invitedAt: now
				})
				.onConflictDoUpdate({
					target: [sessionGuests.requestId, sessionGuests.userId],
					set: { invitedBy: input.userId, invitedAt: now, removedAt: null }
				})
				.run();
		}
		announce(app, current.id, [input.userId, ...(formerOwner ? [formerOwner] : [])]);
		return updated;
	});
	return toSessionRequest(app, row, app.clock());
}
