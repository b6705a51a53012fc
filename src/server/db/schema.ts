/**
 * The whole database. Instants are integer milliseconds since the epoch (UTC); the API turns them
 * into ISO-8601 strings at the boundary.
 */
import { sql } from 'drizzle-orm';
import {
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
import type { ErrorCode } from '../../lib/sync/protocol';
import type { MailKind } from '../mail/kinds';

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
		expiresAt: integer('expires_at').notNull()
	},
	(t) => [index('sessions_user_idx').on(t.userId)]
);
export type SessionRow = typeof sessions.$inferSelect;

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
		 * name, email and comments replaced, event data and mail stripped. Such a request stays
		 * terminal for good.
		 */
		anonymizedAt: integer('anonymized_at')
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
		index('session_requests_email_idx').on(sql`lower(${t.recipientEmail})`)
	]
);
export type SessionRequestRow = typeof sessionRequests.$inferSelect;

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
	(t) => [index('request_events_request_idx').on(t.requestId, t.id)]
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
		scope: text('scope').$type<'address' | 'account' | 'pair' | 'known'>().notNull(),
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

/** Organisation-wide settings an admin can change at run time. */
export const settings = sqliteTable('settings', {
	key: text('key').primaryKey(),
	value: text('value').notNull()
});
