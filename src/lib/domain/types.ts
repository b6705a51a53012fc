/** The core vocabulary of Beckon, shared by server and client. */

export const STATUSES = ['open', 'waiting', 'ready', 'connected', 'closed', 'expired'] as const;
export type Status = (typeof STATUSES)[number];

/**
 * The status sets, each written once and used everywhere (the lifecycle, reads, the sweepers'
 * SQL, the UI). Live: a request still in play, which edits, assignment and links apply to.
 */
export const LIVE_STATUSES = ['open', 'waiting', 'ready', 'connected'] as const;
/** Live statuses whose request expires when its time is up: a session in progress does not. */
export const EXPIRABLE_STATUSES = ['open', 'waiting', 'ready'] as const;
/** Statuses that only an agent's reopen can leave. */
export const TERMINAL_STATUSES = ['closed', 'expired'] as const;
/** Statuses in which the end user has allowed access: the live session may run. */
export const SESSION_STATUSES = ['ready', 'connected'] as const;

const member =
	<S extends Status>(set: readonly S[]) =>
	(status: Status | null | undefined): status is S =>
		status != null && (set as readonly Status[]).includes(status);
export const isLive = member(LIVE_STATUSES);
export const isExpirable = member(EXPIRABLE_STATUSES);
export const isTerminal = member(TERMINAL_STATUSES);
export const isSessionStatus = member(SESSION_STATUSES);

export const CLOSED_REASONS = ['completed', 'closed_by_agent', 'declined_by_user'] as const;
export type ClosedReason = (typeof CLOSED_REASONS)[number];

export const LANGUAGES = ['en', 'es', 'de', 'fr', 'pt', 'it'] as const;
export type Language = (typeof LANGUAGES)[number];

export const ROLES = ['admin', 'agent'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = ['none', 'view', 'edit'] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** A stored assignment: `me` in an input is resolved to an agent before it gets here. */
export type Assignment =
	{ kind: 'unassigned' } | { kind: 'agent'; userId: string } | { kind: 'queue'; queueId: string };

/** What an input may say: `me` is the create form's shortcut for the acting agent. */
export type AssignmentInput = Assignment | { kind: 'me' };

/** Who did something: a user id, the end user holding the link, or the server itself. */
export type Actor = string;
export const END_USER_ACTOR = 'end_user';
export const SYSTEM_ACTOR = 'system';

/** Where a request came from: an agent (app, API), or the end user on a queue's help page. */
export const REQUEST_SOURCES = ['agent', 'help_page'] as const;
export type RequestSource = (typeof REQUEST_SOURCES)[number];

/**
 * A help page's opening hours: on `days` (0 Sunday … 6 Saturday), from `from` to `to` (HH:MM,
 * `to` after `from`) in the IANA time zone `timeZone`.
 */
export interface OpeningHours {
	timeZone: string;
	days: number[];
	from: string;
	to: string;
}

export interface SessionRequest {
	id: string;
	recipientName: string;
	recipientEmail: string | null;
	sendEmail: boolean;
	emailLanguage: Language;
	comments: string;
	scheduledAt: string | null;
	/** The recipient's IANA time zone (`Europe/Madrid`); null: none given, times read in UTC. */
	timeZone: string | null;
	expiresAt: string;
	assignment: Assignment;
	status: Status;
	closedReason: ClosedReason | null;
	/** The agent asked to connect and the end user has not answered yet. */
	connectRequested: boolean;
	/** Last time the end user's link page reported in (presence, not status). */
	endUserSeenAt: string | null;
	/** The agent who created it; `system` when the end user asked on a help page (`source`). */
	createdBy: string;
	source: RequestSource;
	createdAt: string;
	updatedAt: string;
	statusChangedAt: string;
	version: number;
	/** The full session link, present while the request is not terminal. */
	link: string | null;
	/**
	 * When the end user's personal data was removed (retention or erasure): the name is then
	 * `anonymized`, email and comments empty, and the request can no longer be reopened.
	 */
	anonymizedAt: string | null;
}

export interface RequestEvent {
	id: number;
	requestId: string;
	type: EventType;
	actor: Actor;
	at: string;
	data: Record<string, unknown>;
}

export const EVENT_TYPES = [
	'created',
	'updated',
	'assigned',
	'taken',
	'link_opened',
	'connect_requested',
	'access_allowed',
	'access_denied',
	'declined',
	'session_started',
	'session_ended',
	'closed',
	'expired',
	'reopened',
	'expiry_extended',
	'link_regenerated',
	'email_queued',
	'email_sent',
	'email_failed',
	/** Retention removed the end user's personal data (actor `system`). */
	'anonymized',
	/** An admin erased the end user's personal data on request (actor: that admin). */
	'erased',
	/** Its holder (or an admin) handed it to an agent or a queue, with an optional note. */
	'transferred',
	/**
	 * Its agent left (deactivated, below edit, out of the queue it came from): it went to its last
	 * queue, the fallback queue or unassigned (`data.reason`, `data.via`; actor: the admin).
	 */
	'fallback'
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The facts about a user that permissions and visibility depend on. */
export interface Viewer {
	id: string;
	role: Role;
	permission: Permission;
	queueIds: readonly string[];
}
