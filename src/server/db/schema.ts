/**
 * The whole database. Instants are integer milliseconds since the epoch (UTC); the API turns them
 * into ISO-8601 strings at the boundary.
 */
import { sql } from 'drizzle-orm';
import {
	blob,
	index,
	integer,
	primaryKey,
	sqliteTable,
	text,
	uniqueIndex
} from 'drizzle-orm/sqlite-core';
import type {
	ClosedReason,
	EventType,
	Language,
	OpeningHours,
	Permission,
	RequestSource,
	Role,
	Status
} from '../../lib/domain/types';
import type { AlertKind } from '../../lib/domain/alerts';
import type { ErrorCode } from '../../lib/sync/protocol';
import type { MailKind } from '../mail/kinds';
import type { WebhookEventType } from '../../lib/domain/webhooks';

export type MailStatus = 'pending' | 'sending' | 'sent' | 'failed';

export const users = sqliteTable('users', {
	id: text('id').primaryKey(),
	/** Stored lower-cased, so sign-in and uniqueness ignore case. */
	email: text('email').notNull().unique(),
	name: text('name').notNull(),
	passwordHash: text('password_hash').notNull(),
	role: text('role').$type<Role>().notNull(),
	permission: text('permission').$type<Permission>().notNull(),
	active: integer('active', { mode: 'boolean' }).notNull().default(true),
	/** The app's language for this user; null: follow the browser (then the org's default). */
	language: text('language').$type<Language>(),
	createdAt: integer('created_at').notNull(),
	updatedAt: integer('updated_at').notNull()
});
export type UserRow = typeof users.$inferSelect;

/** Sign-in sessions; `id` is the SHA-256 of the cookie value, never the value itself. */
export const sessions = sqliteTable(
	'sessions',
	{
		id: text('id').primaryKey(),
		userId: text('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		createdAt: integer('created_at').notNull(),
		expiresAt: integer('expires_at').notNull(),
		/** What the device said it was (`User-Agent`) and where it signed in from, for its owner. */
		userAgent: text('user_agent'),
		address: text('address'),
		/** The last call made with this session, to the minute (services/auth.ts). */
		lastSeenAt: integer('last_seen_at')
	},
	(t) => [index('sessions_user_idx').on(t.userId)]
);
export type SessionRow = typeof sessions.$inferSelect;

/**
 * A user's authenticator app (TOTP, RFC 6238). The shared secret is kept encrypted under a key
 * derived from the server secret (services/second-factor.ts) and is never sent once confirmed.
 */
export const secondFactors = sqliteTable('second_factors', {
	userId: text('user_id')
		.primaryKey()
		.references(() => users.id, { onDelete: 'cascade' }),
	/** AES-256-GCM: `v1.<iv>.<tag>.<ciphertext>`, base64url. */
	secret: text('secret').notNull(),
	/** Null while enrolling: the factor counts only once a code has confirmed it. */
	confirmedAt: integer('confirmed_at'),
	/** The last time step a code was accepted in: a step's code is never accepted twice. */
	lastStep: integer('last_step').notNull().default(0),
	createdAt: integer('created_at').notNull()
});
export type SecondFactorRow = typeof secondFactors.$inferSelect;

/** Ten single-use recovery codes per confirmed second factor, as SHA-256 hashes. */
export const recoveryCodes = sqliteTable(
	'recovery_codes',
	{
		userId: text('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		codeHash: text('code_hash').notNull(),
		usedAt: integer('used_at')
	},
	(t) => [primaryKey({ columns: [t.userId, t.codeHash] })]
);

/**
 * A user's passkeys (WebAuthn credentials). `id` is the credential id (base64url) the
 * authenticator answers with; `publicKey` its COSE public key (base64url), never sent back out.
 * `counter` is the signature counter last seen: one that fails to grow means a cloned key.
 */
export const passkeys = sqliteTable(
	'passkeys',
	{
		id: text('id').primaryKey(),
		userId: text('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		name: text('name').notNull(),
		publicKey: text('public_key').notNull(),
		counter: integer('counter').notNull().default(0),
		/** What the browser said it can reach the authenticator over (JSON list), for its hints. */
		transports: text('transports', { mode: 'json' }).$type<string[]>().notNull(),
		/** Synced between devices (multi-device) and backed up, as the authenticator says. */
		backedUp: integer('backed_up', { mode: 'boolean' }).notNull().default(false),
		createdAt: integer('created_at').notNull(),
		lastUsedAt: integer('last_used_at')
	},
	(t) => [index('passkeys_user_idx').on(t.userId)]
);
export type PasskeyRow = typeof passkeys.$inferSelect;

/**
 * WebAuthn challenges handed out and not yet answered: each is taken (deleted) by the one answer
 * that uses it, on any instance. `userId` is the account it was made for (null for a sign-in
 * with a passkey alone, where the passkey says whose it is).
 */
export const webauthnChallenges = sqliteTable(
	'webauthn_challenges',
	{
		challenge: text('challenge').primaryKey(),
		purpose: text('purpose').$type<'register' | 'sign_in' | 'second_factor'>().notNull(),
		userId: text('user_id').references(() => users.id, { onDelete: 'cascade' }),
		expiresAt: integer('expires_at').notNull()
	},
	(t) => [index('webauthn_challenges_expires_idx').on(t.expiresAt)]
);

/**
 * What happened to an account's sign-in (second factor enabled, reset, devices signed out): the
 * account's audit log, append-only. `actor` is the user who did it.
 */
export const accountEvents = sqliteTable(
	'account_events',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		userId: text('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		type: text('type').$type<AccountEventType>().notNull(),
		actor: text('actor').notNull(),
		at: integer('at').notNull(),
		data: text('data', { mode: 'json' }).$type<Record<string, unknown>>().notNull()
	},
	(t) => [index('account_events_user_idx').on(t.userId, t.id)]
);
export type AccountEventType =
	| 'two_factor_enabled'
	| 'two_factor_disabled'
	| 'two_factor_reset'
	| 'recovery_code_used'
	| 'session_signed_out'
	| 'sessions_signed_out'
	| 'sso_settings_changed'
	| 'sso_user_created'
	| 'passkey_added'
	| 'passkey_renamed'
	| 'passkey_removed';

/** API tokens act as the admin who created them; only their hash is kept. */
export const apiTokens = sqliteTable('api_tokens', {
	id: text('id').primaryKey(),
	name: text('name').notNull(),
	tokenHash: text('token_hash').notNull().unique(),
	createdBy: text('created_by')
		.notNull()
		.references(() => users.id),
	createdAt: integer('created_at').notNull(),
	lastUsedAt: integer('last_used_at'),
	revokedAt: integer('revoked_at')
});
export type ApiTokenRow = typeof apiTokens.$inferSelect;

export const queues = sqliteTable('queues', {
	id: text('id').primaryKey(),
	name: text('name').notNull().unique(),
	/**
	 * The queue's public help page (`/help/<slug>`, services/help-page.ts): whether it takes
	 * requests, its address, the message it shows and its opening hours (null: always open).
	 */
	helpEnabled: integer('help_enabled', { mode: 'boolean' }).notNull().default(false),
	helpSlug: text('help_slug').unique(),
	helpMessage: text('help_message').notNull().default(''),
	helpHours: text('help_hours', { mode: 'json' }).$type<OpeningHours>(),
	createdAt: integer('created_at').notNull(),
	updatedAt: integer('updated_at').notNull()
});
export type QueueRow = typeof queues.$inferSelect;

export const queueMembers = sqliteTable(
	'queue_members',
	{
		queueId: text('queue_id')
			.notNull()
			.references(() => queues.id, { onDelete: 'cascade' }),
		userId: text('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' })
	},
	(t) => [
		primaryKey({ columns: [t.queueId, t.userId] }),
		index('queue_members_user_idx').on(t.userId)
	]
);

export const sessionRequests = sqliteTable(
	'session_requests',
	{
		id: text('id').primaryKey(),
		recipientName: text('recipient_name').notNull(),
		recipientEmail: text('recipient_email'),
		sendEmail: integer('send_email', { mode: 'boolean' }).notNull(),
		emailLanguage: text('email_language').$type<Language>().notNull(),
		comments: text('comments').notNull(),
		scheduledAt: integer('scheduled_at'),
		/** The recipient's IANA time zone; null: none given (mail writes times in UTC). */
		timeZone: text('time_zone'),
		expiresAt: integer('expires_at').notNull(),
		assignmentKind: text('assignment_kind').$type<'unassigned' | 'agent' | 'queue'>().notNull(),
		assigneeId: text('assignee_id').references(() => users.id),
		queueId: text('queue_id').references(() => queues.id),
		status: text('status').$type<Status>().notNull(),
		closedReason: text('closed_reason').$type<ClosedReason>(),
		connectRequested: integer('connect_requested', { mode: 'boolean' }).notNull().default(false),
		/** Bumped by regenerateLink and reopen: links of older versions are dead. */
		linkVersion: integer('link_version').notNull().default(1),
		endUserSeenAt: integer('end_user_seen_at'),
		/**
		 * When the reminders for the current schedule were written to the outbox; null while they
		 * are still due. Cleared whenever the schedule changes, so each schedule is reminded once.
		 */
		reminderSentAt: integer('reminder_sent_at'),
		/** The agent who created it; null when the end user asked on a help page (`source`). */
		createdBy: text('created_by').references(() => users.id),
		/** Where it came from: an agent (app, API) or the end user on a queue's help page. */
		source: text('source').$type<RequestSource>().notNull().default('agent'),
		createdAt: integer('created_at').notNull(),
		updatedAt: integer('updated_at').notNull(),
		statusChangedAt: integer('status_changed_at').notNull(),
		/** From the server-wide change counter: pull sends rows whose version is past the cursor. */
		version: integer('version').notNull(),
		/**
		 * When the end user's personal data was removed (retention or erasure, services/privacy.ts):
		 * name, email, comments and time zone replaced, event data and mail stripped. Such a request stays
		 * terminal for good.
		 */
		anonymizedAt: integer('anonymized_at'),
		/**
		 * The report's facts (services/reports.ts), server-side only: when the end user first opened
		 * the link (its first `link_opened` event), when a session first started (first
		 * `session_started`) and when that session ended (the first `session_ended` or `closed` at or
		 * after that start). Written by writeRows with the event (request-records.ts); a reopened
		 * request keeps them: they are its first ever, as its timeline says.
		 */
		firstOpenedAt: integer('first_opened_at'),
		sessionStartedAt: integer('session_started_at'),
		sessionEndedAt: integer('session_ended_at')
	},
	(t) => [
		uniqueIndex('session_requests_version_idx').on(t.version),
		// The sweeper's query: live requests by expiry.
		index('session_requests_status_expires_idx').on(t.status, t.expiresAt),
		index('session_requests_assignee_idx').on(t.assigneeId),
		index('session_requests_queue_idx').on(t.queueId),
		index('session_requests_created_idx').on(t.createdAt, t.id),
		index('session_requests_scheduled_idx').on(t.scheduledAt),
		// The retention sweep's query: terminal requests by when they became terminal.
		index('session_requests_status_changed_idx').on(t.status, t.statusChangedAt),
		// An erasure's or an export's search: every request of one address, whatever its case.
		index('session_requests_email_idx').on(sql`lower(${t.recipientEmail})`),
		// reports.summary's one read: every column it needs, by creation time (no table lookup).
		index('session_requests_report_idx').on(
			t.createdAt,
			t.assignmentKind,
			t.assigneeId,
			t.queueId,
			t.status,
			t.closedReason,
			t.expiresAt,
			t.firstOpenedAt,
			t.sessionStartedAt,
			t.sessionEndedAt
		)
	]
);
export type SessionRequestRow = typeof sessionRequests.$inferSelect;

/**
 * reports.summary's figures of one whole day, kept so that a report reads a day's summary rather
 * than its requests (services/report-days.ts). A day is [startMs, startMs + 24 h) in a caller's
 * offset from UTC (`offsetMinutes`, east positive; `day`: days since 1970-01-01 in that offset).
 * Filled when a report first needs the day once it has ended; deleted, in the same transaction,
 * by every write of a request created within it (request-records.ts); used only while the clock
 * is before `validUntil`, the earliest expiry among the day's live requests (null: none), since a
 * live request past its expiry reports as expired without a write.
 */
export const reportDays = sqliteTable(
	'report_days',
	{
		offsetMinutes: integer('offset_minutes').notNull(),
		day: integer('day').notNull(),
		startMs: integer('start_ms').notNull(),
		validUntil: integer('valid_until'),
		/** JSON: per (assignment kind, owner, outcome) its counts and how many values it has. */
		groups: text('groups').notNull(),
		/** Each group's durations' values in turn, as little-endian Float64s. */
		durations: blob('durations', { mode: 'buffer' }).notNull()
	},
	(t) => [
		primaryKey({ columns: [t.offsetMinutes, t.day] }),
		// The invalidation's delete: the days (of any offset) holding a creation time.
		index('report_days_start_idx').on(t.startMs)
	]
);

/**
 * Colleagues the assigned agent invited into a live session (services/co-session.ts). An invite
 * holds only for the session it was made in (invited at or after the request became
 * `connected`); the end user removing the colleague marks it removed.
 */
export const sessionGuests = sqliteTable(
	'session_guests',
	{
		requestId: text('request_id')
			.notNull()
			.references(() => sessionRequests.id, { onDelete: 'cascade' }),
		userId: text('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		invitedBy: text('invited_by')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		invitedAt: integer('invited_at').notNull(),
		/** When the end user removed the colleague: not invited again into the same session. */
		removedAt: integer('removed_at')
	},
	(t) => [
		primaryKey({ columns: [t.requestId, t.userId] }),
		index('session_guests_user_idx').on(t.userId)
	]
);
export type SessionGuestRow = typeof sessionGuests.$inferSelect;

/** The timeline of each request, and the audit log. Append-only. */
export const requestEvents = sqliteTable(
	'request_events',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		requestId: text('request_id')
			.notNull()
			.references(() => sessionRequests.id, { onDelete: 'cascade' }),
		type: text('type').$type<EventType>().notNull(),
		actor: text('actor').notNull(),
		at: integer('at').notNull(),
		data: text('data', { mode: 'json' }).$type<Record<string, unknown>>().notNull()
	},
	(t) => [
		index('request_events_request_idx').on(t.requestId, t.id),
		// A request's first event of a type (reports.summary) is one seek.
		index('request_events_request_type_at_idx').on(t.requestId, t.type, t.at)
	]
);
export type RequestEventRow = typeof requestEvents.$inferSelect;

/** Single-row counters; `version` is the server-wide change counter behind sync cursors. */
export const counters = sqliteTable('counters', {
	name: text('name').primaryKey(),
	value: integer('value').notNull()
});

/**
 * Server-wide keys that must travel with the data: the session-link secret lives here so that a
 * backup of the database (and every instance sharing it) signs and checks the same links.
 */
export const serverKeys = sqliteTable('server_keys', {
	name: text('name').primaryKey(),
	/** Base64. */
	value: text('value').notNull()
});

/**
 * Failed sign-ins per address, per account and per both (`scope`; and under `known`, the
 * addresses each account signed in from), kept by the login throttle
 * (rate-limit.ts) so that every instance on the database counts them together and a restart
 * forgets none. Rows are dropped once their failures are forgotten.
 */
export const loginFailures = sqliteTable(
	'login_failures',
	{
		scope: text('scope').$type<'address' | 'account' | 'pair' | 'known' | 'code'>().notNull(),
		key: text('key').notNull(),
		failures: integer('failures').notNull(),
		lastAt: integer('last_at').notNull()
	},
	(t) => [primaryKey({ columns: [t.scope, t.key] }), index('login_failures_last_idx').on(t.lastAt)]
);

/** Per sync client: the last mutation id processed, saved in the same transaction as its effects. */
export const syncClients = sqliteTable('sync_clients', {
	clientId: text('client_id').primaryKey(),
	userId: text('user_id')
		.notNull()
		.references(() => users.id, { onDelete: 'cascade' }),
	lastMutationId: integer('last_mutation_id').notNull(),
	updatedAt: integer('updated_at').notNull()
});

/**
 * The refusal of each refused mutation, so that a repeated push gets the same answer: a processed
 * mutation (id up to the client's `last_mutation_id`) with no row here was applied. (Databases
 * from before this rule also hold rows with `ok` = 1; they answer the same.)
 */
export const syncMutations = sqliteTable(
	'sync_mutations',
	{
		clientId: text('client_id')
			.notNull()
			.references(() => syncClients.clientId, { onDelete: 'cascade' }),
		mutationId: integer('mutation_id').notNull(),
		name: text('name').notNull(),
		ok: integer('ok', { mode: 'boolean' }).notNull(),
		error: text('error', { mode: 'json' }).$type<{ code: ErrorCode; message: string }>(),
		processedAt: integer('processed_at').notNull()
	},
	(t) => [primaryKey({ columns: [t.clientId, t.mutationId] })]
);

/**
 * Per user: bumped whenever what they may see changes without a request changing (queue
 * membership, role, permission). A pull whose cursor has an older epoch starts over.
 */
export const viewEpochs = sqliteTable('view_epochs', {
	userId: text('user_id')
		.primaryKey()
		.references(() => users.id, { onDelete: 'cascade' }),
	epoch: integer('epoch').notNull()
});

/**
 * Email written in the same transaction as the change that causes it, rendered there (so what an
 * admin reads is what is sent); delivered by the mail-delivery job.
 *
 * Status: `pending` (due at `next_attempt_at`) → `sending` (claimed by a delivery attempt; then
 * `next_attempt_at` is the end of the claim's lease) → `sent`, back to `pending` (retry after
 * backoff) or `failed` (final, with `last_error`). A `sending` row whose lease has ended belongs
 * to an attempt that died with its process: it is claimed again and sent with the same
 * `message_id`.
 */
export const mailOutbox = sqliteTable(
	'mail_outbox',
	{
		id: text('id').primaryKey(),
		requestId: text('request_id').references(() => sessionRequests.id, { onDelete: 'set null' }),
		kind: text('kind').$type<MailKind>().notNull(),
		recipient: text('recipient').notNull(),
		recipientName: text('recipient_name'),
		subject: text('subject').notNull(),
		text: text('text').notNull(),
		html: text('html').notNull(),
		/** The calendar part (iCalendar text) and its iTIP method, for scheduled sessions. */
		ics: text('ics'),
		icsMethod: text('ics_method').$type<'REQUEST' | 'CANCEL'>(),
		/**
		 * The Message-ID header, fixed when the row is written: every attempt sends the same one.
		 * Null only on rows queued before this column existed (they use one made from the id).
		 */
		messageId: text('message_id'),
		status: text('status').$type<MailStatus>().notNull(),
		attempts: integer('attempts').notNull().default(0),
		nextAttemptAt: integer('next_attempt_at').notNull(),
		lastError: text('last_error'),
		createdAt: integer('created_at').notNull(),
		sentAt: integer('sent_at')
	},
	(t) => [
		index('mail_outbox_due_idx').on(t.status, t.nextAttemptAt),
		index('mail_outbox_created_idx').on(t.createdAt),
		// An erasure's or an export's search: every message to one address, whatever its case.
		index('mail_outbox_recipient_idx').on(sql`lower(${t.recipient})`),
		// Anonymising a request strips the mail it caused.
		index('mail_outbox_request_idx').on(t.requestId)
	]
);
export type MailRow = typeof mailOutbox.$inferSelect;

/**
 * Where outbound webhooks go (Standard Webhooks 1.0, services/webhooks.ts). The secret signs
 * every delivery; after a rotation the previous one signs too until `previous_secret_until`.
 * An endpoint is disabled by an admin, by a 410 answer (`gone`) or by a delivery that failed for
 * three days (`failing`); a disabled endpoint gets no new deliveries and its pending ones wait.
 */
export const webhookEndpoints = sqliteTable('webhook_endpoints', {
	id: text('id').primaryKey(),
	url: text('url').notNull(),
	description: text('description').notNull(),
	/** JSON array of the event types it receives. */
	events: text('events', { mode: 'json' }).$type<WebhookEventType[]>().notNull(),
	secret: text('secret').notNull(),
	previousSecret: text('previous_secret'),
	previousSecretUntil: integer('previous_secret_until'),
	enabled: integer('enabled', { mode: 'boolean' }).notNull(),
	disabledReason: text('disabled_reason').$type<'admin' | 'gone' | 'failing'>(),
	disabledAt: integer('disabled_at'),
	createdBy: text('created_by')
		.notNull()
		.references(() => users.id),
	createdAt: integer('created_at').notNull(),
	updatedAt: integer('updated_at').notNull()
});
export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;

export type WebhookDeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed';

/**
 * One event for one endpoint: the outbox of webhooks (written in the transaction of the change)
 * and the endpoint's delivery log. `message_id` is the `webhook-id` header, the same on every
 * attempt; `payload` the body as sent. Claimed like mail (`pending` → `sending` with a lease in
 * `next_attempt_at`, `attempts + 1`), then `delivered`, back to `pending` (retry) or `failed`.
 */
export const webhookDeliveries = sqliteTable(
	'webhook_deliveries',
	{
		id: text('id').primaryKey(),
		endpointId: text('endpoint_id')
			.notNull()
			.references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
		messageId: text('message_id').notNull(),
		eventType: text('event_type').notNull(),
		/** The request it is about, if any: anonymising a request strips its payloads. */
		requestId: text('request_id').references(() => sessionRequests.id, { onDelete: 'set null' }),
		payload: text('payload').notNull(),
		status: text('status').$type<WebhookDeliveryStatus>().notNull(),
		attempts: integer('attempts').notNull().default(0),
		nextAttemptAt: integer('next_attempt_at').notNull(),
		lastAttemptAt: integer('last_attempt_at'),
		lastStatusCode: integer('last_status_code'),
		lastLatencyMs: integer('last_latency_ms'),
		lastError: text('last_error'),
		createdAt: integer('created_at').notNull(),
		deliveredAt: integer('delivered_at')
	},
	(t) => [
		index('webhook_deliveries_due_idx').on(t.status, t.nextAttemptAt),
		index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.createdAt),
		index('webhook_deliveries_request_idx').on(t.requestId)
	]
);
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;

/** Organisation-wide settings an admin can change at run time. */
export const settings = sqliteTable('settings', {
	key: text('key').primaryKey(),
	value: text('value').notNull()
});

/**
 * The devices an agent's Web Push reaches: one row per push endpoint (a browser's subscription).
 * An endpoint belongs to one user: subscribing it again, as another user, moves it.
 */
export const pushSubscriptions = sqliteTable(
	'push_subscriptions',
	{
		id: text('id').primaryKey(),
		userId: text('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		endpoint: text('endpoint').notNull().unique(),
		/** The browser's P-256 public key and auth secret, base64url, as PushSubscription gives them. */
		p256dh: text('p256dh').notNull(),
		auth: text('auth').notNull(),
		label: text('label'),
		createdAt: integer('created_at').notNull(),
		lastSuccessAt: integer('last_success_at')
	},
	(t) => [index('push_subscriptions_user_idx').on(t.userId)]
);
export type PushSubscriptionRow = typeof pushSubscriptions.$inferSelect;

/**
 * Pushes written in the same transaction as the change that causes them (as mail is), one per
 * subscribed device, delivered by the push-delivery job: `pending` (due at `next_attempt_at`) →
 * `sending` (claimed; `next_attempt_at` is the lease's end) → deleted once the push service took
 * it, back to `pending` to retry, or `failed`. The payload is the small JSON the service worker
 * reads; `tag` (one per request) lets a device show one notification per request.
 */
export const pushOutbox = sqliteTable(
	'push_outbox',
	{
		id: text('id').primaryKey(),
		subscriptionId: text('subscription_id')
			.notNull()
			.references(() => pushSubscriptions.id, { onDelete: 'cascade' }),
		requestId: text('request_id').references(() => sessionRequests.id, { onDelete: 'cascade' }),
		tag: text('tag').notNull(),
		payload: text('payload').notNull(),
		status: text('status').$type<'pending' | 'sending' | 'failed'>().notNull(),
		attempts: integer('attempts').notNull().default(0),
		nextAttemptAt: integer('next_attempt_at').notNull(),
		lastError: text('last_error'),
		createdAt: integer('created_at').notNull()
	},
	(t) => [
		index('push_outbox_due_idx').on(t.status, t.nextAttemptAt),
		index('push_outbox_subscription_idx').on(t.subscriptionId),
		index('push_outbox_request_idx').on(t.requestId)
	]
);
export type PushOutboxRow = typeof pushOutbox.$inferSelect;

/**
 * Per user: which alerts (lib/domain/alerts.ts) reach them, and whether the app plays a sound.
 * No row: every alert, no sound.
 */
export const notificationSettings = sqliteTable('notification_settings', {
	userId: text('user_id')
		.primaryKey()
		.references(() => users.id, { onDelete: 'cascade' }),
	/** JSON array of alert kinds. */
	events: text('events', { mode: 'json' }).$type<AlertKind[]>().notNull(),
	sound: integer('sound', { mode: 'boolean' }).notNull().default(false),
	updatedAt: integer('updated_at').notNull()
});
