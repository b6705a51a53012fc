/**
 * A queue's public help page (`/help/<slug>`): an admin turns it on with a message and optional
 * opening hours; an end user gives a name, an email address and what is wrong, and gets a request
 * in that queue, already `waiting` (they are on its link page), which the queue's agents hear of
 * like any request landing in their queue.
 *
 * Abuse is held back without third parties: per-address and per-queue rate limits (limits.ts), a
 * proof-of-work challenge the browser solves (stateless: signed with the server secret, with an
 * expiry; each used once), a honeypot field, and a cap on open help-page requests per address.
 * Such a request sends no email (anyone could make the server write to any address), so it has
 * no creating agent: `created_by` is null, `source` is `help_page`, its `created` event's actor is
 * the end user with `data.source` `help_page`.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { DomainError, DomainErrorReason, invalid } from '../../lib/domain/errors';
import { isOpenAt, leadingZeroBits, powInput } from '../../lib/domain/help';
import { toIso } from '../../lib/domain/rules';
import {
	END_USER_ACTOR,
	LIVE_STATUSES,
	type Assignment,
	type Language,
	type OpeningHours
} from '../../lib/domain/types';
import { write, type Beckon } from '../app';
import { takeVersions } from '../db';
import { queues, sessionRequests, type QueueRow, type SessionRequestRow } from '../db/schema';
import { addressKey } from '../rate-limit';
import { createLinkToken } from './link-tokens';
import { appendEvents, insertRows, NO_REPORT_TIMES } from './request-records';
import { announceCreated } from './requests';
import { expiryMsOf, getSettings } from './settings';

/** How long a challenge may be solved and used. */
export const CHALLENGE_TTL_MS = 5 * 60_000;
/** Open (live) help-page requests one email address may have at a time. */
export const OPEN_PER_EMAIL = 2;
/** Challenges remembered as used, at most (each for its remaining life). */
const USED_MAX = 100_000;

/** A queue's help page as an admin sets it. */
export interface HelpPageSettings {
	enabled: boolean;
	slug: string | null;
	message: string;
	hours: OpeningHours | null;
}

export function helpPageOf(row: QueueRow): HelpPageSettings {
	return {
		enabled: row.helpEnabled,
		slug: row.helpSlug,
		message: row.helpMessage,
		hours: row.helpHours ?? null
	};
}

/** What the public page shows. */
export interface HelpPageView {
	queueName: string;
	message: string;
	/** Taking requests now (within its opening hours). */
	open: boolean;
	hours: OpeningHours | null;
	/** Leading zero bits the proof of work must find. */
	difficulty: number;
}

const refusal = (reason: DomainErrorReason, message: string, detail: string, field?: string) =>
	new DomainError(reason, message, field, detail);

/** An admin sets a queue's help page; the slug is unique among queues. */
export function setHelpPage(
	app: Beckon,
	input: { id: string; enabled: boolean; slug: string; message: string; hours: OpeningHours | null }
) {
	write(app, () => {
		const queue = app.db.select().from(queues).where(eq(queues.id, input.id)).get();
		if (!queue) throw refusal(DomainErrorReason.notFound, 'No such queue', 'queue');
		const taken = app.db
			.select({ id: queues.id })
			.from(queues)
			.where(eq(queues.helpSlug, input.slug))
			.get();
		if (taken && taken.id !== input.id) {
			throw invalid('slug', `is already the address of another queue's help page`);
		}
		app.db
			.update(queues)
			.set({
				helpEnabled: input.enabled,
				helpSlug: input.slug,
				helpMessage: input.message,
				helpHours: input.hours,
				updatedAt: app.clock()
			})
			.where(eq(queues.id, input.id))
			.run();
	});
}

/** The queue of an enabled help page; refuses (detail `off`) a page that is off or unknown. */
function pageQueue(app: Beckon, slug: string): QueueRow {
	const queue = app.db.select().from(queues).where(eq(queues.helpSlug, slug)).get();
	if (!queue || !queue.helpEnabled) {
		throw refusal(DomainErrorReason.notFound, 'This help page is not available', 'off');
	}
	return queue;
}

function publicLimit(app: Beckon, address: string) {
	if (!app.limits.link.take(addressKey(address), app.clock())) {
		throw refusal(DomainErrorReason.rateLimited, 'Too many requests; try again later', 'address');
	}
}

export function getHelpPage(app: Beckon, slug: string, address: string): HelpPageView {
	publicLimit(app, address);
	const queue = pageQueue(app, slug);
	const hours = queue.helpHours ?? null;
	return {
		queueName: queue.name,
		message: queue.helpMessage,
		open: isOpenAt(hours, app.clock()),
		hours,
		difficulty: app.config.helpPowBits
	};
}

const b64 = (bytes: Buffer) => bytes.toString('base64url');

function challengeMac(app: Beckon, queueId: string, body: string): string {
	return b64(createHmac('sha256', app.secret).update(`help-pow\n${queueId}\n${body}`).digest());
}

/**
 * A challenge for the page's queue: `<expires at>.<bits>.<nonce>.<HMAC>`, the HMAC under the
 * server secret binding them to the queue. Nothing is stored until it is used.
 */
export function helpChallenge(
	app: Beckon,
	slug: string,
	address: string
): { challenge: string; difficulty: number; expiresAt: string } {
	publicLimit(app, address);
	const queue = pageQueue(app, slug);
	const expiresAt = app.clock() + CHALLENGE_TTL_MS;
	const body = `${expiresAt}.${app.config.helpPowBits}.${b64(randomBytes(16))}`;
	return {
		challenge: `${body}.${challengeMac(app, queue.id, body)}`,
		difficulty: app.config.helpPowBits,
		expiresAt: toIso(expiresAt) as string
	};
}

/** Challenges already used, by nonce, with when they expire (in order of use). */
const usedChallenges = new WeakMap<Beckon, Map<string, number>>();

function usedOf(app: Beckon) {
	let used = usedChallenges.get(app);
	if (!used) usedChallenges.set(app, (used = new Map()));
	return used;
}

/**
 * Checks the proof of work: a challenge this server signed for this queue, not expired, not used
 * before, and a solution whose SHA-256 with it starts with the challenge's zero bits. Marks it
 * used.
 */
function checkProofOfWork(app: Beckon, queueId: string, challenge: string, solution: string) {
	const now = app.clock();
	const parts = challenge.split('.');
	const bad = () =>
		refusal(DomainErrorReason.invalid, 'is not a challenge of this page', 'forged', 'challenge');
	if (parts.length !== 4) throw bad();
	const [expires, bitsText, nonce, mac] = parts;
	const expected = Buffer.from(challengeMac(app, queueId, `${expires}.${bitsText}.${nonce}`));
	const given = Buffer.from(mac);
	if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw bad();
	const expiresAt = Number(expires);
	if (!(expiresAt > now)) {
		throw refusal(
			DomainErrorReason.invalid,
			'has expired; ask the page for a new one',
			'expired',
			'challenge'
		);
	}
	const used = usedOf(app);
	for (const [key, until] of used) {
		if (until > now && used.size < USED_MAX) break;
		used.delete(key);
	}
	if (used.has(nonce)) {
		throw refusal(DomainErrorReason.invalid, 'has been used already', 'replayed', 'challenge');
	}
	const digest = createHash('sha256').update(powInput(challenge, solution)).digest();
	if (leadingZeroBits(digest) < Number(bitsText)) {
		throw refusal(DomainErrorReason.invalid, 'does not solve the challenge', 'wrong', 'solution');
	}
	used.set(nonce, expiresAt);
}

export interface HelpAsk {
	slug: string;
	name: string;
	email: string;
	problem: string;
	language: Language;
	website?: string;
	challenge: string;
	solution: string;
}

/**
 * The end user's request from the help page: checked in the order that costs least first, then
 * written, `waiting`, in the page's queue. Returns the link page's token.
 */
export function askForHelp(
	app: Beckon,
	input: HelpAsk,
	address: string,
	client: { userAgent: string | null }
): { token: string; link: string; requestId: string } {
	const now = app.clock();
	const queue = pageQueue(app, input.slug);
	if (!isOpenAt(queue.helpHours ?? null, now)) {
		throw refusal(DomainErrorReason.conflict, 'The help page is closed at this time', 'closed');
	}
	if (!app.limits.helpAddress.take(addressKey(address), now)) {
		throw refusal(
			DomainErrorReason.rateLimited,
			'Too many requests from your network; try again later',
			'address'
		);
	}
	// A person leaves the hidden field empty; a form-filling robot does not.
	if (input.website) {
		throw refusal(DomainErrorReason.forbidden, 'This request looks automated', 'honeypot');
	}
	checkProofOfWork(app, queue.id, input.challenge, input.solution);
	if (!app.limits.helpQueue.take(queue.id, now)) {
		throw refusal(
			DomainErrorReason.rateLimited,
			'This help page is receiving too many requests; try again later',
			'queue'
		);
	}
	const email = input.email.toLowerCase();
	const row = write(app, () => {
		const open = app.db
			.select({ n: sql<number>`count(*)` })
			.from(sessionRequests)
			.where(
				and(
					eq(sessionRequests.source, 'help_page'),
					sql`lower(${sessionRequests.recipientEmail}) = ${email}`,
					inArray(sessionRequests.status, [...LIVE_STATUSES])
				)
			)
			.get();
		if (Number(open?.n ?? 0) >= OPEN_PER_EMAIL) {
			throw refusal(
				DomainErrorReason.rateLimited,
				`You already have ${OPEN_PER_EMAIL} open requests; use the links you were given`,
				'email'
			);
		}
		const assignment: Assignment = { kind: 'queue', queueId: queue.id };
		const row: SessionRequestRow = {
			id: uuidv7(),
			recipientName: input.name,
			recipientEmail: input.email,
			sendEmail: false,
			emailLanguage: input.language,
			comments: input.problem,
			scheduledAt: null,
			timeZone: null,
			expiresAt: now + expiryMsOf(app, getSettings(app)),
			assignmentKind: 'queue',
			assigneeId: null,
			queueId: queue.id,
			// The end user is on the link page as it is made: it has been opened.
			status: 'waiting',
			closedReason: null,
			connectRequested: false,
			linkVersion: 1,
			endUserSeenAt: now,
			reminderSentAt: null,
			createdBy: null,
			source: 'help_page',
			createdAt: now,
			updatedAt: now,
			statusChangedAt: now,
			version: takeVersions(app.db, 1),
			anonymizedAt: null,
			...NO_REPORT_TIMES
		};
		insertRows(app, [row]);
		appendEvents(app, [
			{
				requestId: row.id,
				actor: END_USER_ACTOR,
				type: 'created',
				data: {
					assignment,
					source: 'help_page',
					// As every end-user event: where the page was used from (personal data).
					client: { address, userAgent: client.userAgent?.slice(0, 300) ?? null }
				},
				at: now
			}
		]);
		announceCreated(app, [row], END_USER_ACTOR);
		app.bus.hold({
			requestId: row.id,
			after: { assignment, createdBy: END_USER_ACTOR },
			written: { row }
		});
		return row;
	});
	const token = createLinkToken(app.secret, row.id, row.linkVersion);
	return { token, link: `${app.config.publicUrl}/s/${token}`, requestId: row.id };
}
