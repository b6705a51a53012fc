/**
 * Outbound webhooks (Standard Webhooks 1.0): the endpoints admins manage, and the outbox of
 * deliveries — the only code that writes `webhook_endpoints` and `webhook_deliveries`.
 *
 * Like mail (services/mail.ts): a delivery is written in the transaction of the change it tells
 * of (`enqueueWebhooks`, called by the one write path for request rows), so it exists if and only
 * if the change committed. The job claims one row at a time (`pending` → `sending` with a lease,
 * in a transaction of its own; on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so instances deliver
 * different rows at once), sends it, and records the outcome in another, guarded by (`status`,
 * `attempts`) so a stale attempt never overwrites a newer one. Every attempt carries the same
 * `webhook-id` (the row's message id), which is what receivers deduplicate on: if the process
 * dies between the receiver's 2xx and our commit, the retry is recognisably the same message.
 */
import { and, desc, eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { v7 as uuidv7 } from 'uuid';
import { invalid, notFound } from '../../lib/domain/errors';
import { ANONYMIZED_NAME } from '../../lib/domain/privacy';
import { toIso } from '../../lib/domain/rules';
import {
	retryAfterMs,
	WEBHOOK_RETRY_WINDOW_MS,
	WEBHOOK_TEST_EVENT,
	WEBHOOK_TIMEOUT_MS,
	webhookRetryDelay,
	type WebhookEventType
} from '../../lib/domain/webhooks';
import { write, type Beckon } from '../app';
import { prepareSql } from '../db/plain-sql';
import { prepared } from '../db/prepared';
import {
	users,
	webhookDeliveries,
	webhookEndpoints,
	type WebhookDeliveryRow,
	type WebhookEndpointRow
} from '../db/schema';
import { log } from '../log';
import { webhookDisabledMail } from '../mail/templates';
import { checkTarget, TargetRefused } from '../webhooks/target-guard';
import { sendWebhook, type WebhookOutcome } from '../webhooks/send';
import { enqueueMail } from './mail';
import { claimOutboxRow } from './outbox';
import { getSettings } from './settings';
import type { AuthUser } from './users';

/** How long the secret a rotation replaced keeps signing, so receivers can switch over. */
export const PREVIOUS_SECRET_MS = 24 * 3_600_000;
/** A claim's lease: past the attempt's timeout, so only a crashed attempt ever reaches it. */
export const WEBHOOK_LEASE_MS = 60_000;

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
const newMessageId = () => `msg_${uuidv7().replaceAll('-', '')}`;

// ---------------------------------------------------------------------------------------------
// The outbox: written inside the transaction of the change.

/** One event to tell subscribed endpoints of; `data` is built only if some endpoint wants it. */
export interface WebhookEvent {
	type: WebhookEventType;
	requestId: string | null;
	data: () => Record<string, unknown>;
}

// Enabled endpoints and what they subscribe to: a handful of rows, read once per write.
const enabledEndpoints = prepared((db) =>
	db.$client.prepare('SELECT id, events FROM webhook_endpoints WHERE enabled = 1')
);

const insertDelivery = prepared((db) =>
	prepareSql(
		db,
		(param) => `INSERT INTO webhook_deliveries (id, endpoint_id, message_id, event_type, request_id,
		 payload, status, attempts, next_attempt_at, created_at)
		 VALUES (${param()}, ${param()}, ${param()}, ${param()}, ${param()}, ${param()}, 'pending', 0,
		 ${param()}, ${param()})`
	)
);

/**
 * Writes a delivery of each event to every enabled endpoint subscribed to its type, inside the
 * caller's transaction: a change that rolls back (or is refused) leaves none. The body is
 * `{type, timestamp, data}`, fixed now; one message id per event, shared by its endpoints.
 */
export function enqueueWebhooks(app: Beckon, events: readonly WebhookEvent[]) {
	if (events.length === 0) return;
	const endpoints = (enabledEndpoints(app.db).all() as { id: string; events: string }[]).map(
		(e) => ({ id: e.id, events: new Set(JSON.parse(e.events) as string[]) })
	);
	if (endpoints.length === 0) return;
	const now = app.clock();
	const timestamp = toIso(now);
	for (const event of events) {
		const targets = endpoints.filter((e) => e.events.has(event.type));
		if (targets.length === 0) continue;
		const payload = JSON.stringify({ type: event.type, timestamp, data: event.data() });
		const messageId = newMessageId();
		for (const target of targets) {
			insertDelivery(app.db).run(
				uuidv7(),
				target.id,
				messageId,
				event.type,
				event.requestId,
				payload,
				now,
				now
			);
		}
	}
}

// ---------------------------------------------------------------------------------------------
// Endpoints, for admins.

function loadEndpoint(app: Beckon, id: string): WebhookEndpointRow {
	const row = app.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get();
	if (!row) throw notFound('No such webhook endpoint');
	return row;
}

/** An endpoint as admins see it: never its secrets. */
function toEndpoint(row: WebhookEndpointRow, now: number) {
	return {
		id: row.id,
		url: row.url,
		description: row.description,
		events: row.events,
		enabled: row.enabled,
		disabledReason: row.disabledReason,
		disabledAt: row.disabledAt === null ? null : toIso(row.disabledAt),
		/** Until when the secret replaced by the last rotation still signs. */
		previousSecretUntil:
			row.previousSecretUntil !== null && row.previousSecretUntil > now
				? toIso(row.previousSecretUntil)
				: null,
		createdAt: toIso(row.createdAt),
		updatedAt: toIso(row.updatedAt)
	};
}
export type WebhookEndpoint = ReturnType<typeof toEndpoint>;

/** The target must be public (unless allowed): refused with the field at fault. */
async function checkUrl(app: Beckon, url: string) {
	try {
		await checkTarget(new URL(url), app.config.webhookAllowPrivate);
	} catch (error) {
		if (error instanceof TargetRefused)
			throw invalid('url', error.message.replace(/^/, 'is refused: '));
		throw invalid('url', `does not resolve (${error instanceof Error ? error.message : error})`);
	}
}

export function listWebhooks(app: Beckon): WebhookEndpoint[] {
	const now = app.clock();
	return app.db
		.select()
		.from(webhookEndpoints)
		.orderBy(webhookEndpoints.createdAt, webhookEndpoints.id)
		.all()
		.map((row) => toEndpoint(row, now));
}

/** A new endpoint; its secret is returned this once and never shown again. */
export async function createWebhook(
	app: Beckon,
	user: AuthUser,
	input: { url: string; events: WebhookEventType[]; description?: string }
) {
	await checkUrl(app, input.url);
	const id = uuidv7();
	const secret = newSecret();
	const now = app.clock();
	write(app, () =>
		app.db
			.insert(webhookEndpoints)
			.values({
				id,
				url: input.url,
				description: input.description ?? '',
				events: input.events,
				secret,
				enabled: true,
				createdBy: user.id,
				createdAt: now,
				updatedAt: now
			})
			.run()
	);
	return { id, secret, endpoint: toEndpoint(loadEndpoint(app, id), now) };
}

export async function updateWebhook(
	app: Beckon,
	input: {
		id: string;
		url?: string;
		events?: WebhookEventType[];
		description?: string;
		enabled?: boolean;
	}
): Promise<WebhookEndpoint> {
	loadEndpoint(app, input.id);
	if (input.url !== undefined) await checkUrl(app, input.url);
	const now = app.clock();
	const row = write(app, () => {
		const current = loadEndpoint(app, input.id);
		const turningOff = input.enabled === false && current.enabled;
		const turningOn = input.enabled === true && !current.enabled;
		return app.db
			.update(webhookEndpoints)
			.set({
				url: input.url,
				events: input.events,
				description: input.description,
				enabled: input.enabled,
				...(turningOff && { disabledReason: 'admin' as const, disabledAt: now }),
				...(turningOn && { disabledReason: null, disabledAt: null }),
				updatedAt: now
			})
			.where(eq(webhookEndpoints.id, input.id))
			.returning()
			.get() as WebhookEndpointRow;
	});
	return toEndpoint(row, now);
}

/** A new secret, returned this once; the old one still signs for PREVIOUS_SECRET_MS. */
export function rotateWebhookSecret(app: Beckon, input: { id: string }) {
	const secret = newSecret();
	const now = app.clock();
	const row = write(app, () => {
		const current = loadEndpoint(app, input.id);
		return app.db
			.update(webhookEndpoints)
			.set({
				secret,
				previousSecret: current.secret,
				previousSecretUntil: now + PREVIOUS_SECRET_MS,
				updatedAt: now
			})
			.where(eq(webhookEndpoints.id, input.id))
			.returning()
			.get() as WebhookEndpointRow;
	});
	return { id: row.id, secret, endpoint: toEndpoint(row, now) };
}

/** Removes the endpoint and its delivery log; an attempt in flight records nothing. */
export function deleteWebhook(app: Beckon, input: { id: string }) {
	write(app, () => {
		loadEndpoint(app, input.id);
		app.db.delete(webhookEndpoints).where(eq(webhookEndpoints.id, input.id)).run();
	});
	return { ok: true as const };
}

function toDelivery(row: WebhookDeliveryRow) {
	return {
		id: row.id,
		messageId: row.messageId,
		eventType: row.eventType,
		requestId: row.requestId,
		status: row.status,
		attempts: row.attempts,
		statusCode: row.lastStatusCode,
		latencyMs: row.lastLatencyMs,
		error: row.lastError,
		createdAt: toIso(row.createdAt),
		lastAttemptAt: row.lastAttemptAt === null ? null : toIso(row.lastAttemptAt),
		nextAttemptAt: row.status === 'pending' ? toIso(row.nextAttemptAt) : null,
		deliveredAt: row.deliveredAt === null ? null : toIso(row.deliveredAt)
	};
}
export type WebhookDelivery = ReturnType<typeof toDelivery>;

/** The endpoint's delivery log, newest first: outcome, last status code and latency. */
export function listWebhookDeliveries(
	app: Beckon,
	input: { id: string; limit?: number }
): WebhookDelivery[] {
	loadEndpoint(app, input.id);
	return app.db
		.select()
		.from(webhookDeliveries)
		.where(eq(webhookDeliveries.endpointId, input.id))
		.orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
		.limit(input.limit ?? 100)
		.all()
		.map(toDelivery);
}

/**
 * Sends a `webhook.test` event to the endpoint now, enabled or not, and returns the delivery as
 * it ended: one attempt, no retries, and its outcome never turns the endpoint off.
 */
export async function testWebhook(app: Beckon, input: { id: string }): Promise<WebhookDelivery> {
	const now = app.clock();
	const claimed = write(app, () => {
		const endpoint = loadEndpoint(app, input.id);
		const payload = JSON.stringify({
			type: WEBHOOK_TEST_EVENT,
			timestamp: toIso(now),
			data: { endpointId: endpoint.id }
		});
		const delivery = app.db
			.insert(webhookDeliveries)
			.values({
				id: uuidv7(),
				endpointId: endpoint.id,
				messageId: newMessageId(),
				eventType: WEBHOOK_TEST_EVENT,
				requestId: null,
				payload,
				status: 'sending',
				attempts: 1,
				nextAttemptAt: now + WEBHOOK_LEASE_MS,
				createdAt: now
			})
			.returning()
			.get();
		return { delivery, endpoint };
	});
	await attemptDelivery(app, claimed);
	const row = app.db
		.select()
		.from(webhookDeliveries)
		.where(eq(webhookDeliveries.id, claimed.delivery.id))
		.get();
	if (!row) throw notFound('The endpoint was deleted during the test');
	return toDelivery(row);
}

// ---------------------------------------------------------------------------------------------
// Delivery.

export interface ClaimedDelivery {
	delivery: WebhookDeliveryRow;
	endpoint: WebhookEndpointRow;
}

/** Claims the next due delivery of an enabled endpoint for one attempt (services/outbox.ts). */
export function claimNextWebhook(app: Beckon, leaseMs = WEBHOOK_LEASE_MS): ClaimedDelivery | null {
	const id = claimOutboxRow(app, 'webhook_deliveries', leaseMs);
	if (id === null) return null;
	const delivery = app.db
		.select()
		.from(webhookDeliveries)
		.where(eq(webhookDeliveries.id, id))
		.get();
	return delivery ? { delivery, endpoint: loadEndpoint(app, delivery.endpointId) } : null;
}

/**
 * The three Standard Webhooks headers for one attempt: `webhook-signature` holds a `v1,` HMAC
 * for the current secret and, for a day after a rotation, one for the previous secret too.
 */
export function signedHeaders(
	endpoint: Pick<WebhookEndpointRow, 'secret' | 'previousSecret' | 'previousSecretUntil'>,
	messageId: string,
	at: number,
	payload: string
): Record<string, string> {
	const secrets = [endpoint.secret];
	if (
		endpoint.previousSecret &&
		endpoint.previousSecretUntil !== null &&
		endpoint.previousSecretUntil > at
	) {
		secrets.push(endpoint.previousSecret);
	}
	const timestamp = new Date(at);
	return {
		'webhook-id': messageId,
		'webhook-timestamp': String(Math.floor(at / 1000)),
		'webhook-signature': secrets
			.map((secret) => new Webhook(secret).sign(messageId, timestamp, payload))
			.join(' ')
	};
}

export type DeliveryResult = 'delivered' | 'retrying' | 'failed';

/** One attempt of a claimed delivery: send it, then record what happened. */
export async function attemptDelivery(
	app: Beckon,
	claimed: ClaimedDelivery
): Promise<DeliveryResult> {
	const { delivery, endpoint } = claimed;
	const outcome = await sendWebhook({
		url: endpoint.url,
		headers: signedHeaders(endpoint, delivery.messageId, app.clock(), delivery.payload),
		body: delivery.payload,
		timeoutMs: WEBHOOK_TIMEOUT_MS,
		allowPrivate: app.config.webhookAllowPrivate
	});
	return recordOutcome(app, claimed, outcome);
}

/** The claim is still ours: same row, still `sending`, no later attempt since. */
const stillClaimed = (delivery: WebhookDeliveryRow) =>
	and(
		eq(webhookDeliveries.id, delivery.id),
		eq(webhookDeliveries.status, 'sending'),
		eq(webhookDeliveries.attempts, delivery.attempts)
	);

function describeOutcome(outcome: WebhookOutcome): string | null {
	if (outcome.error !== null) return outcome.error;
	const code = outcome.statusCode ?? 0;
	if (code >= 200 && code < 300) return null;
	if (code >= 300 && code < 400) return `HTTP ${code}: redirects are not followed`;
	return `HTTP ${code}`;
}

/**
 * Records an attempt's outcome: 2xx delivered; 410 failed and the endpoint turned off (`gone`);
 * anything else retried after the backoff or the answer's `Retry-After`, until three days after
 * the event, when the delivery fails for good and the endpoint is turned off (`failing`). Admins
 * are told of a turned-off endpoint by email. A test delivery is tried once and changes nothing.
 */
function recordOutcome(
	app: Beckon,
	claimed: ClaimedDelivery,
	outcome: WebhookOutcome
): DeliveryResult {
	const { delivery } = claimed;
	const code = outcome.statusCode;
	const ok = code !== null && code >= 200 && code < 300;
	const error = describeOutcome(outcome);
	const test = delivery.eventType === WEBHOOK_TEST_EVENT;
	return write(app, () => {
		const now = app.clock();
		const attempt = {
			lastAttemptAt: now,
			lastStatusCode: code,
			lastLatencyMs: outcome.latencyMs,
			lastError: error
		};
		let result: DeliveryResult;
		let disable: 'gone' | 'failing' | null = null;
		if (ok) {
			result = 'delivered';
		} else if (code === 410 || test) {
			result = 'failed';
			if (code === 410 && !test) disable = 'gone';
		} else {
			const wait =
				retryAfterMs(outcome.retryAfter, now) ??
				webhookRetryDelay(delivery.attempts, Math.random());
			if (now + wait > delivery.createdAt + WEBHOOK_RETRY_WINDOW_MS) {
				result = 'failed';
				disable = 'failing';
			} else {
				result = 'retrying';
				Object.assign(attempt, { nextAttemptAt: now + wait });
			}
		}
		const status = result === 'retrying' ? 'pending' : result;
		const done = app.db
			.update(webhookDeliveries)
			.set({ ...attempt, status, ...(ok && { deliveredAt: now }) })
			.where(stillClaimed(delivery))
			.returning({ id: webhookDeliveries.id })
			.get();
		if (done && disable) disableEndpoint(app, claimed.endpoint.id, disable, error);
		return result;
	});
}

/** Turns an endpoint off after its deliveries failed, and tells every admin by email. */
function disableEndpoint(
	app: Beckon,
	id: string,
	reason: 'gone' | 'failing',
	lastError: string | null
) {
	const now = app.clock();
	const endpoint = app.db
		.update(webhookEndpoints)
		.set({ enabled: false, disabledReason: reason, disabledAt: now, updatedAt: now })
		.where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.enabled, true)))
		.returning()
		.get();
	if (!endpoint) return;
	log.warn({ endpoint: id, reason }, 'webhook endpoint disabled');
	const settings = getSettings(app);
	const admins = app.db
		.select()
		.from(users)
		.where(and(eq(users.role, 'admin'), eq(users.active, true)))
		.all();
	for (const admin of admins) {
		enqueueMail(app, {
			requestId: null,
			kind: 'webhook_disabled',
			to: { address: admin.email, name: admin.name },
			rendered: webhookDisabledMail({
				language: settings.defaultLanguage,
				organization: settings.organizationName,
				adminName: admin.name,
				url: endpoint.url,
				reason,
				lastError,
				appUrl: `${app.config.publicUrl}/admin`
			})
		});
	}
}

// ---------------------------------------------------------------------------------------------
// Personal data.

/**
 * Removes the end user's personal data from the payloads of a request's deliveries (sent or
 * waiting), inside the caller's transaction (services/privacy.ts): waiting ones then go out
 * without it. Their signatures are made at each attempt, so they stay valid.
 */
export function stripWebhookPayloads(app: Beckon, requestId: string) {
	const rows = app.db
		.select({ id: webhookDeliveries.id, payload: webhookDeliveries.payload })
		.from(webhookDeliveries)
		.where(eq(webhookDeliveries.requestId, requestId))
		.all();
	for (const row of rows) {
		const body = JSON.parse(row.payload) as { data?: Record<string, unknown> };
		if (!body.data) continue;
		body.data = {
			...body.data,
			recipientName: ANONYMIZED_NAME,
			recipientEmail: null,
			comments: ''
		};
		const email = body.data.email as Record<string, unknown> | undefined;
		if (email) body.data.email = { ...email, error: null };
		app.db
			.update(webhookDeliveries)
			.set({ payload: JSON.stringify(body) })
			.where(eq(webhookDeliveries.id, row.id))
			.run();
	}
}
