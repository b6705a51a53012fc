/**
 * Web Push: the agents' subscribed devices, their choice of alerts, and the push outbox — the
 * only code that writes `push_subscriptions`, `notification_settings` and `push_outbox`.
 *
 * Pushes are written in the transaction of the change that causes them (push-triggers.ts, called
 * by the one write path), so a change that is refused or rolled back pushes nothing, and one that
 * commits has its pushes even if the process dies right after. Delivery (jobs/push-delivery.ts)
 * claims one row at a time with a lease, as mail delivery does, and deletes it once the push
 * service has taken it: at least once, and the `tag` per request makes a repeat replace the
 * notification a device already shows.
 */
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { ALERT_KINDS, type AlertKind, type NotificationPreferences } from '../../lib/domain/alerts';
import { notFound } from '../../lib/domain/errors';
import { toIso } from '../../lib/domain/rules';
import { claim, write, type Beckon } from '../app';
import {
	notificationSettings,
	pushOutbox,
	pushSubscriptions,
	type PushOutboxRow,
	type PushSubscriptionRow
} from '../db/schema';
import { checkEndpoint } from '../push/endpoint-guard';
import { claimOutboxRow } from './outbox';

export const DEFAULT_PREFERENCES: NotificationPreferences = {
	events: [...ALERT_KINDS],
	sound: false
};

function preferencesOf(row: { events: AlertKind[]; sound: boolean } | undefined) {
	if (!row) return { ...DEFAULT_PREFERENCES, events: [...DEFAULT_PREFERENCES.events] };
	// Kept in the settings' order, whatever order they were chosen in.
	return { events: ALERT_KINDS.filter((k) => row.events.includes(k)), sound: row.sound };
}

export function getPreferences(app: Beckon, userId: string): NotificationPreferences {
	return preferencesOf(
		app.db
			.select({ events: notificationSettings.events, sound: notificationSettings.sound })
			.from(notificationSettings)
			.where(eq(notificationSettings.userId, userId))
			.get()
	);
}

export function updatePreferences(
	app: Beckon,
	userId: string,
	change: Partial<NotificationPreferences>
): NotificationPreferences {
	return write(app, () => {
		const next = { ...getPreferences(app, userId), ...change };
		const values = { events: next.events, sound: next.sound, updatedAt: app.clock() };
		app.db
			.insert(notificationSettings)
			.values({ userId, ...values })
			.onConflictDoUpdate({ target: notificationSettings.userId, set: values })
			.run();
		return preferencesOf(next);
	});
}

export interface SubscribeInput {
	endpoint: string;
	keys: { p256dh: string; auth: string };
	label?: string;
}

/** What an agent sees of a device: never its keys, and the push service only by host. */
export interface PushDevice {
	id: string;
	label: string | null;
	service: string;
	createdAt: string;
	lastSuccessAt: string | null;
}

function toDevice(row: PushSubscriptionRow): PushDevice {
	return {
		id: row.id,
		label: row.label,
		service: new URL(row.endpoint).host,
		createdAt: toIso(row.createdAt),
		lastSuccessAt: toIso(row.lastSuccessAt)
	};
}

/**
 * Devices per user: a browser that subscribes again keeps its row, so only a user who signs in on
 * many browsers (or a script) gets here; the oldest devices make way, so nobody can make every
 * change fan out into thousands of pushes.
 */
export const MAX_DEVICES_PER_USER = 20;

/**
 * Subscribes a device of `userId`: the endpoint passes the SSRF guard first (outside any
 * transaction: it waits on DNS). Subscribing an endpoint again updates its keys and label, and
 * moves it to this user when another had it (one browser, another agent signed in).
 */
export async function subscribe(
	app: Beckon,
	userId: string,
	input: SubscribeInput
): Promise<PushDevice> {
	await checkEndpoint(input.endpoint, { allowPrivate: app.config.pushAllowPrivate });
	return write(app, () => {
		const set = {
			userId,
			p256dh: input.keys.p256dh,
			auth: input.keys.auth,
			label: input.label ?? null
		};
		const row = app.db
			.insert(pushSubscriptions)
			.values({ id: uuidv7(), endpoint: input.endpoint, createdAt: app.clock(), ...set })
			.onConflictDoUpdate({ target: pushSubscriptions.endpoint, set })
			.returning()
			.get();
		const surplus = app.db
			.select({ id: pushSubscriptions.id })
			.from(pushSubscriptions)
			.where(eq(pushSubscriptions.userId, userId))
			.orderBy(desc(pushSubscriptions.createdAt), desc(pushSubscriptions.id))
			.offset(MAX_DEVICES_PER_USER)
			.limit(1000)
			.all();
		if (surplus.length > 0) {
			app.db
				.delete(pushSubscriptions)
				.where(
					inArray(
						pushSubscriptions.id,
						surplus.map((d) => d.id)
					)
				)
				.run();
		}
		return toDevice(row);
	});
}

/** Removes the user's subscription of `endpoint`, if they have it; says whether one went. */
export function unsubscribe(app: Beckon, userId: string, endpoint: string): boolean {
	return write(
		app,
		() =>
			app.db
				.delete(pushSubscriptions)
				.where(and(eq(pushSubscriptions.endpoint, endpoint), eq(pushSubscriptions.userId, userId)))
				.returning({ id: pushSubscriptions.id })
				.all().length > 0
	);
}

export function listDevices(app: Beckon, userId: string): PushDevice[] {
	return app.db
		.select()
		.from(pushSubscriptions)
		.where(eq(pushSubscriptions.userId, userId))
		.orderBy(asc(pushSubscriptions.createdAt))
		.all()
		.map(toDevice);
}

/** Removes one of the user's devices by id (the settings' device list). */
export function removeDevice(app: Beckon, userId: string, id: string) {
	const removed = write(app, () =>
		app.db
			.delete(pushSubscriptions)
			.where(and(eq(pushSubscriptions.id, id), eq(pushSubscriptions.userId, userId)))
			.returning({ id: pushSubscriptions.id })
			.all()
	);
	if (removed.length === 0) throw notFound('No such device');
	return { ok: true as const };
}

/** What the service worker receives: the request, its status, whom it is about, and no more. */
export interface PushPayload {
	requestId: string;
	status: string;
	kind: AlertKind;
	firstName: string;
	/** One notification per request on a device: a newer one replaces it. */
	tag: string;
}

export const tagOf = (requestId: string) => `request-${requestId}`;

/** One push to write: to every device of `userIds` whose owner wants `payload.kind`. */
export interface NewPush {
	userIds: readonly string[];
	payload: PushPayload;
}

/** Writes pushes to the outbox, inside the caller's transaction (the change's). */
export function enqueuePushes(app: Beckon, pushes: readonly NewPush[]) {
	const userIds = [...new Set(pushes.flatMap((p) => p.userIds))];
	if (userIds.length === 0) return;
	const devices = app.db
		.select({
			id: pushSubscriptions.id,
			userId: pushSubscriptions.userId,
			events: notificationSettings.events
		})
		.from(pushSubscriptions)
		.leftJoin(notificationSettings, eq(notificationSettings.userId, pushSubscriptions.userId))
		.where(inArray(pushSubscriptions.userId, userIds))
		.all();
	if (devices.length === 0) return;
	const now = app.clock();
	const rows = pushes.flatMap(({ userIds: to, payload }) =>
		devices
			.filter((d) => to.includes(d.userId) && (d.events ?? ALERT_KINDS).includes(payload.kind))
			.map((d) => ({
				id: uuidv7(),
				subscriptionId: d.id,
				requestId: payload.requestId,
				tag: payload.tag,
				payload: JSON.stringify(payload),
				status: 'pending' as const,
				attempts: 0,
				nextAttemptAt: now,
				createdAt: now
			}))
	);
	for (let start = 0; start < rows.length; start += 100) {
		app.db
			.insert(pushOutbox)
			.values(rows.slice(start, start + 100))
			.run();
	}
}

/** A claimed push with where it goes. */
export interface ClaimedPush {
	row: PushOutboxRow;
	subscription: PushSubscriptionRow;
}

/** Claims the next due push for one delivery attempt (services/outbox.ts), or returns null. */
export function claimNextPush(app: Beckon, leaseMs: number): ClaimedPush | null {
	const id = claimOutboxRow(app, 'push_outbox', leaseMs);
	if (id === null) return null;
	const row = app.db.select().from(pushOutbox).where(eq(pushOutbox.id, id)).get();
	const subscription =
		row &&
		app.db
			.select()
			.from(pushSubscriptions)
			.where(eq(pushSubscriptions.id, row.subscriptionId))
			.get();
	return row && subscription ? { row, subscription } : null;
}

// Each outcome is written only while the claim is still the one recorded.
const stillClaimed = (row: PushOutboxRow) =>
	and(
		eq(pushOutbox.id, row.id),
		eq(pushOutbox.status, 'sending'),
		eq(pushOutbox.attempts, row.attempts)
	);

/** The push service took it: the row goes, the device is known to work. */
export function markPushDelivered(app: Beckon, claimed: ClaimedPush) {
	claim(app, () => {
		app.db.delete(pushOutbox).where(stillClaimed(claimed.row)).run();
		app.db
			.update(pushSubscriptions)
			.set({ lastSuccessAt: app.clock() })
			.where(eq(pushSubscriptions.id, claimed.subscription.id))
			.run();
	});
}

/** Another attempt at `retryAt`, or (null) none: `failed`, kept for a while with its error. */
export function markPushFailed(
	app: Beckon,
	claimed: ClaimedPush,
	error: string,
	retryAt: number | null
) {
	claim(app, () =>
		app.db
			.update(pushOutbox)
			.set(
				retryAt === null
					? { status: 'failed', lastError: error }
					: { status: 'pending', lastError: error, nextAttemptAt: retryAt }
			)
			.where(stillClaimed(claimed.row))
			.run()
	);
}

/** The push service says the subscription is gone (404, 410): so is the device, and its pushes. */
export function dropSubscription(app: Beckon, subscriptionId: string) {
	claim(app, () =>
		app.db.delete(pushSubscriptions).where(eq(pushSubscriptions.id, subscriptionId)).run()
	);
}
