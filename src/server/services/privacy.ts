/**
 * The end user's personal data (GDPR art. 5, 15, 17): finding everything held about one email
 * address, handing it over (export), erasing it, and anonymising requests past the retention
 * period (jobs/retention.ts).
 *
 * Where a person's data lives: the request's name, email and comments; its timeline's event
 * data (mail events name the address, a failure may quote it); the mail outbox (recipient,
 * rendered bodies, calendar part, SMTP errors); and webhook payloads (the request as sent).
 * Anonymising a request clears all of that and keeps what reports count: statuses, times,
 * assignment, event types and mail kinds. A table that comes to hold personal data must be
 * cleared here too; privacy.spec.ts scans every text column of the database for an erased
 * address, so one that is missed fails there.
 */
import { asc, eq, inArray, sql } from 'drizzle-orm';
import { invalid } from '../../lib/domain/errors';
import { ANONYMIZED_NAME, normalizeEmail, withoutPersonalData } from '../../lib/domain/privacy';
import { effectiveStatus, toIso } from '../../lib/domain/rules';
import {
	END_USER_ACTOR,
	SYSTEM_ACTOR,
	type Actor,
	type EventType,
	type SessionRequest
} from '../../lib/domain/types';
import { write, type Beckon } from '../app';
import { prepareSql, type Param } from '../db/plain-sql';
import { prepared } from '../db/prepared';
import { mailOutbox, requestEvents, sessionRequests, type SessionRequestRow } from '../db/schema';
import { log } from '../log';
import {
	recordAnonymization,
	recordChange,
	recordExpiries,
	toSessionRequest
} from './request-records';
import { getSettings } from './settings';
import { stripWebhookPayloads } from './webhooks';
import type { AuthUser } from './users';

// Served by the lower(recipient_email) and lower(recipient) indexes.
const requestsOfAddress = prepared((db) =>
	db
		.select()
		.from(sessionRequests)
		.where(eq(sql`lower(${sessionRequests.recipientEmail})`, sql.placeholder('email')))
		.orderBy(asc(sessionRequests.createdAt), asc(sessionRequests.id))
		.prepare()
);

const mailToAddress = prepared((db) =>
	db
		.select()
		.from(mailOutbox)
		.where(eq(sql`lower(${mailOutbox.recipient})`, sql.placeholder('email')))
		.orderBy(asc(mailOutbox.createdAt), asc(mailOutbox.id))
		.prepare()
);

/** `LIKE` matches its pattern's `%` and `_` as wildcards: an address must match as written. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

// Events that quote the address in their data, whichever request they belong to (a request
// whose email was changed since keeps the mail events of its former address), whatever the case
// of its letters: SQLite's LIKE ignores ASCII case, PostgreSQL's ILIKE does.
const eventsMentioning = prepared((db) =>
	prepareSql(
		db,
		(param, dialect) => `SELECT id, request_id AS "requestId", type, data FROM request_events
		 WHERE data ${dialect === 'postgres' ? 'ILIKE' : 'LIKE'} ${param()} ESCAPE '\\'`
	)
);

const eventsOfRequest = prepared((db) =>
	prepareSql(
		db,
		(param) => `SELECT id, type, data FROM request_events WHERE request_id = ${param()} ORDER BY id`
	)
);

const updateEventData = prepared((db) =>
	prepareSql(db, (param) => `UPDATE request_events SET data = ${param()} WHERE id = ${param()}`)
);

const mailStripped = (
	param: Param
) => `recipient = '', recipient_name = NULL, subject = '', text = '', html = '',
	ics = NULL, ics_method = NULL,
	last_error = CASE WHEN status IN ('pending', 'sending') THEN ${param()} ELSE NULL END,
	status = CASE WHEN status IN ('pending', 'sending') THEN 'failed' ELSE status END`;

/**
 * Mail that has not gone yet is cancelled (`failed`): a delivery attempt in flight finds its claim
 * gone (mail.ts `stillClaimed`) and records nothing, so no event quotes the address again.
 */
const NOT_SENT = 'Not sent: the recipient’s personal data was erased';

const stripMailOfRequest = prepared((db) =>
	prepareSql(
		db,
		(param) => `UPDATE mail_outbox SET ${mailStripped(param)} WHERE request_id = ${param()}`
	)
);

// Pushes not yet sent carry the end user's first name: they go (a late alert is no loss).
const dropPushesOfRequest = prepared((db) =>
	prepareSql(db, (param) => `DELETE FROM push_outbox WHERE request_id = ${param()}`)
);

const stripMailToAddress = prepared((db) =>
	prepareSql(
		db,
		(param) => `UPDATE mail_outbox SET ${mailStripped(param)} WHERE lower(recipient) = ${param()}`
	)
);

interface StoredEvent {
	id: number;
	type: EventType;
	data: string;
}

/** Rewrites each event's data without personal data; returns how many changed. */
function stripEvents(app: Beckon, events: readonly StoredEvent[]): number {
	let changed = 0;
	for (const event of events) {
		const stripped = JSON.stringify(withoutPersonalData(event.type, JSON.parse(event.data)));
		if (stripped === event.data) continue;
		updateEventData(app.db).run(stripped, event.id);
		changed += 1;
	}
	return changed;
}

/**
 * Removes the end user's personal data from one terminal request, inside the caller's
 * transaction: its timeline and mail first, then the row itself as a synced change whose event
 * (`anonymized` by the system, or `erased` by an admin) carries nothing of the person.
 */
export function anonymizeRequest(
	app: Beckon,
	row: SessionRequestRow,
	actor: Actor,
	event: { type: 'anonymized' | 'erased'; data: Record<string, unknown> }
): SessionRequestRow {
	stripEvents(app, eventsOfRequest(app.db).all(row.id) as StoredEvent[]);
	stripMailOfRequest(app.db).run(NOT_SENT, row.id);
	dropPushesOfRequest(app.db).run(row.id);
	stripWebhookPayloads(app, row.id);
	return recordAnonymization(
		app,
		row,
		{
			recipientName: ANONYMIZED_NAME,
			recipientEmail: null,
			sendEmail: false,
			comments: '',
			// Where the person is, roughly.
			timeZone: null,
			anonymizedAt: app.clock()
		},
		actor,
		event
	);
}

/** One request as the admin's search lists it. */
export interface HeldRequest {
	id: string;
	recipientName: string;
	status: SessionRequest['status'];
	createdAt: string;
	statusChangedAt: string;
	events: number;
}

/** Everything held about one address: what an admin reviews before exporting or erasing. */
export interface PersonalDataSummary {
	email: string;
	requests: HeldRequest[];
	/** Messages addressed to the person (whatever request they belong to). */
	mails: number;
	/** Events of other requests that quote the address (e.g. mail sent before an email change). */
	otherEvents: number;
}

function eventsPerRequest(app: Beckon, ids: readonly string[]): Map<string, number> {
	if (ids.length === 0) return new Map();
	const rows = app.db
		.select({ requestId: requestEvents.requestId, n: sql<number>`count(*)` })
		.from(requestEvents)
		.where(inArray(requestEvents.requestId, [...ids]))
		.groupBy(requestEvents.requestId)
		.all();
	return new Map(rows.map((r) => [r.requestId, Number(r.n)]));
}
function mentioningEvents(app: Beckon, email: string, exceptRequests: ReadonlySet<string>) {
	return (
		eventsMentioning(app.db).all(likePattern(email)) as (StoredEvent & { requestId: string })[]
	).filter((event) => !exceptRequests.has(event.requestId));
}

/** Finds everything held about `email` (admins only: the router checks). */
export function findPersonalData(app: Beckon, rawEmail: string): PersonalDataSummary {
	const email = normalizeEmail(rawEmail);
	const now = app.clock();
	return app.db.transaction(() => {
		const rows = requestsOfAddress(app.db).all({ email });
		const counts = eventsPerRequest(
			app,
			rows.map((r) => r.id)
		);
		const own = new Set(rows.map((r) => r.id));
		return {
			email,
			requests: rows.map((row) => ({
				id: row.id,
				recipientName: row.recipientName,
				status: effectiveStatus(row.status, row.expiresAt, now),
				createdAt: toIso(row.createdAt),
				statusChangedAt: toIso(row.statusChangedAt),
				events: counts.get(row.id) ?? 0
			})),
			mails: mailToAddress(app.db).all({ email }).length,
			otherEvents: mentioningEvents(app, email, own).length
		};
	});
}

/** Who did something, as the person may be told: never another person's identity. */
function actorKind(actor: Actor): 'you' | 'system' | 'support' {
	if (actor === END_USER_ACTOR) return 'you';
	if (actor === SYSTEM_ACTOR) return 'system';
	return 'support';
}

/** A session link is a credential, not data about the person: the export leaves it out. */
function withoutSessionLinks(app: Beckon, text: string): string {
	const base = app.config.publicUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	return text.replace(new RegExp(`${base}/s/[A-Za-z0-9_-]+`, 'g'), '[session link]');
}

/** The subject access export (GDPR art. 15): the person's requests, timelines and mail. */
export function exportPersonalData(app: Beckon, rawEmail: string) {
	const email = normalizeEmail(rawEmail);
	const now = app.clock();
	return app.db.transaction(() => {
		const rows = requestsOfAddress(app.db).all({ email });
		const events = rows.length
			? app.db
					.select()
					.from(requestEvents)
					.where(
						inArray(
							requestEvents.requestId,
							rows.map((r) => r.id)
						)
					)
					.orderBy(asc(requestEvents.id))
					.all()
			: [];
		return {
			format: 'beckon-personal-data/1',
			email,
			organization: getSettings(app).organizationName,
			exportedAt: toIso(now),
			requests: rows.map((row) => {
				const shown = toSessionRequest(app, row, now);
				return {
					id: row.id,
					recipientName: row.recipientName,
					recipientEmail: row.recipientEmail,
					emailLanguage: row.emailLanguage,
					sendEmail: row.sendEmail,
					comments: row.comments,
					status: shown.status,
					closedReason: shown.closedReason,
					scheduledAt: shown.scheduledAt,
					timeZone: row.timeZone,
					expiresAt: shown.expiresAt,
					createdAt: shown.createdAt,
					updatedAt: shown.updatedAt,
					statusChangedAt: shown.statusChangedAt,
					endUserSeenAt: shown.endUserSeenAt,
					timeline: events
						.filter((e) => e.requestId === row.id)
						.map((e) => ({ type: e.type, at: toIso(e.at), by: actorKind(e.actor) }))
				};
			}),
			emails: mailToAddress(app.db)
				.all({ email })
				.map((mail) => ({
					requestId: mail.requestId,
					kind: mail.kind,
					subject: mail.subject,
					text: withoutSessionLinks(app, mail.text),
					status: mail.status,
					createdAt: toIso(mail.createdAt),
					sentAt: toIso(mail.sentAt)
				}))
		};
	});
}

export type PersonalDataExport = ReturnType<typeof exportPersonalData>;

export interface ErasureResult {
	email: string;
	/** Requests anonymised; live ones among them were closed first. */
	requests: number;
	closed: number;
	mails: number;
	otherEvents: number;
}

/**
 * Erases everything held about `email` (GDPR art. 17) in one transaction: live requests are
 * closed first (their links die), then every request of the address is anonymised with an
 * `erased` event naming the admin, mail to the address is stripped (unsent mail cancelled), and
 * events elsewhere that quote it are cleaned. Nothing is written unless all of it is.
 */
export function erasePersonalData(
	app: Beckon,
	admin: AuthUser,
	input: { email: string; confirmEmail: string }
): ErasureResult {
	const email = normalizeEmail(input.email);
	if (normalizeEmail(input.confirmEmail) !== email) {
		throw invalid('confirmEmail', 'must repeat the address to erase');
	}
	const result = write(app, () => {
		const now = app.clock();
		const rows = requestsOfAddress(app.db).all({ email });
		const mails = mailToAddress(app.db).all({ email }).length;
		let closed = 0;
		for (const found of rows) {
			let row = found;
			if (row.status !== 'closed' && row.status !== 'expired') {
				// A request reads as expired once its expiry passes: write that down (as the sweep
				// would) rather than close it, so the sweep never touches it after erasure.
				if (effectiveStatus(row.status, row.expiresAt, now) === 'expired') {
					[row] = recordExpiries(app, [row], SYSTEM_ACTOR);
				} else {
					row = recordChange(app, row, {
						action: 'close',
						actor: admin.id,
						event: { type: 'closed', data: { reason: 'erasure' } }
					});
					closed += 1;
				}
			}
			anonymizeRequest(app, row, admin.id, { type: 'erased', data: {} });
		}
		// What is left after the requests': mail of other requests and mail without one.
		stripMailToAddress(app.db).run(NOT_SENT, email);
		const own = new Set(rows.map((r) => r.id));
		const otherEvents = stripEvents(app, mentioningEvents(app, email, own));
		return { email, requests: rows.length, closed, mails, otherEvents };
	});
	// The log names the admin and the counts, never the address.
	log.info(
		{ admin: admin.id, requests: result.requests, mails: result.mails },
		'erased an end user’s personal data on request'
	);
	return result;
}
