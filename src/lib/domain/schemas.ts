/**
 * Input schemas of every procedure in the public contract. Routers validate with these, and the
 * client's forms use the same ones, so both sides give the same messages.
 * Rules that depend on the current time live in rules.ts (they take `now`).
 */
import { z } from 'zod';
import { ALERT_KINDS } from './alerts';
import { authenticationResponseSchema } from './passkeys';
import { RETENTION_DAYS } from './privacy';
import { TWO_FACTOR_REQUIREMENTS } from './sign-in';
import { canonicalTimeZone } from './time-zones';
import { LANGUAGES, PERMISSIONS, ROLES, STATUSES } from './types';
import { WEBHOOK_EVENT_TYPES } from './webhooks';

export const LIMITS = {
	recipientName: 200,
	comments: 4000,
	email: 254,
	userName: 200,
	queueName: 100,
	tokenName: 100,
	password: { min: 8, max: 256 },
	search: 200,
	listLimit: 200,
	linkToken: 200,
	transferNote: 1000,
	pushEndpoint: 2048,
	pushLabel: 100,
	helpSlug: 60,
	helpMessage: 2000,
	/** A help page's proof-of-work challenge and solution (services/help-page.ts). */
	helpChallenge: 300,
	helpSolution: 40
} as const;

const id = z.uuid({ message: 'must be a UUID' });
const instant = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time' });
const email = z
	.string()
	.trim()
	.max(LIMITS.email, { message: `must be at most ${LIMITS.email} characters` })
	.pipe(z.email({ message: 'must be a valid email address' }));
const requiredText = (max: number) =>
	z
		.string()
		.trim()
		.min(1, { message: 'is required' })
		.max(max, { message: `must be at most ${max} characters` });

export const languageSchema = z.enum(LANGUAGES, {
	message: `must be one of ${LANGUAGES.join(', ')}`
});
export const statusSchema = z.enum(STATUSES, { message: `must be one of ${STATUSES.join(', ')}` });

export const assignmentInputSchema = z.discriminatedUnion(
	'kind',
	[
		z.object({ kind: z.literal('unassigned') }),
		z.object({ kind: z.literal('me') }),
		z.object({ kind: z.literal('agent'), userId: id }),
		z.object({ kind: z.literal('queue'), queueId: id })
	],
	{ message: 'must be unassigned, me, agent or queue' }
);

// An address first: most calls give one, and a union stops at the first option that accepts.
// No value is accepted by two options, and a refusal reads the same in any order.
const optionalEmail = z.union([email, z.null(), z.literal('').transform(() => null)]).optional();
/**
 * The recipient's time zone, an IANA name (`Europe/Madrid`), stored as the time-zone data spells
 * it; null or left out: none (times in UTC).
 */
export const timeZoneSchema = z
	.string({ message: 'must be an IANA time zone such as Europe/Madrid' })
	.trim()
	.transform((name, ctx) => {
		const zone = canonicalTimeZone(name);
		if (zone === null) {
			ctx.addIssue({ code: 'custom', message: 'must be an IANA time zone such as Europe/Madrid' });
			return z.NEVER;
		}
		return zone;
	});
const optionalTimeZone = timeZoneSchema.nullable().optional();
const comments = z
	.string()
	.max(LIMITS.comments, { message: `must be at most ${LIMITS.comments} characters` });

export const createRequestSchema = z
	.object({
		id: id.optional(),
		recipientName: requiredText(LIMITS.recipientName),
		recipientEmail: optionalEmail,
		sendEmail: z.boolean().optional(),
		emailLanguage: languageSchema.optional(),
		comments: comments.optional(),
		scheduledAt: instant.nullable().optional(),
		timeZone: optionalTimeZone,
		expiresAt: instant.optional(),
		assignment: assignmentInputSchema.optional()
	})
	// refine, not superRefine: the same issue, without a function added to every parse's state.
	.refine((input) => !(input.sendEmail && !input.recipientEmail), {
		path: ['recipientEmail'],
		message: 'is required when sendEmail is true'
	});
export type CreateRequestInput = z.input<typeof createRequestSchema>;

export const updateRequestSchema = z.object({
	id,
	recipientName: requiredText(LIMITS.recipientName).optional(),
	recipientEmail: optionalEmail,
	sendEmail: z.boolean().optional(),
	emailLanguage: languageSchema.optional(),
	comments: comments.optional(),
	scheduledAt: instant.nullable().optional(),
	timeZone: optionalTimeZone
});
export type UpdateRequestInput = z.input<typeof updateRequestSchema>;

export const requestIdSchema = z.object({ id });
export const assignRequestSchema = z.object({ id, assignment: assignmentInputSchema });
/** A transfer: to an agent or a queue (never "unassigned": a hand-over has a receiver). */
export const transferRequestSchema = z.object({
	id,
	to: z.discriminatedUnion(
		'kind',
		[
			z.object({ kind: z.literal('agent'), userId: id }),
			z.object({ kind: z.literal('queue'), queueId: id })
		],
		{ message: 'must be an agent or a queue' }
	),
	note: z
		.string()
		.trim()
		.max(LIMITS.transferNote, { message: `must be at most ${LIMITS.transferNote} characters` })
		.optional()
});
export type TransferRequestInput = z.input<typeof transferRequestSchema>;
export const reopenRequestSchema = z.object({ id, expiresAt: instant.optional() });
export const extendRequestSchema = z.object({ id, expiresAt: instant });

export const listRequestsSchema = z
	.object({
		status: z.array(statusSchema).max(STATUSES.length).optional(),
		assignment: assignmentInputSchema.optional(),
		scheduled: z.enum(['upcoming', 'past'], { message: 'must be upcoming or past' }).optional(),
		search: z
			.string()
			.trim()
			.max(LIMITS.search, { message: `must be at most ${LIMITS.search} characters` })
			.optional(),
		cursor: z.string().max(500).optional(),
		limit: z.number().int().min(1).max(LIMITS.listLimit).optional()
	})
	.default({});

export const loginSchema = z.object({
	email: z.string().trim().min(1, { message: 'is required' }).max(LIMITS.email),
	password: z.string().min(1, { message: 'is required' }).max(LIMITS.password.max)
});

/** A six-digit code from an authenticator app (spaces as some apps show them are ignored). */
export const totpCodeSchema = z
	.string()
	.transform((code) => code.replace(/\s/g, ''))
	.pipe(z.string().regex(/^\d{6}$/, { message: 'must be the 6 digits your app shows' }));

const pendingToken = z.string().min(1, { message: 'is required' }).max(400);

/** The second step of a sign-in: the app's code, one recovery code, or a passkey's answer. */
export const secondFactorSchema = z
	.object({
		pendingToken,
		code: totpCodeSchema.optional(),
		recoveryCode: z.string().trim().min(1).max(40).optional(),
		passkey: authenticationResponseSchema.optional()
	})
	.refine(
		(input) =>
			[input.code, input.recoveryCode, input.passkey].filter((given) => given !== undefined)
				.length === 1,
		{ message: 'give either a code, a recovery code or a passkey', path: ['code'] }
	);
/** The passkey options of the second step of a pending sign-in. */
export const pendingTokenSchema = z.object({ pendingToken });

/** Enrolment: signed in, or with the pending sign-in of an account that must enrol first. */
export const beginTwoFactorSchema = z.object({ pendingToken: pendingToken.optional() }).optional();
export const confirmTwoFactorSchema = z.object({
	pendingToken: pendingToken.optional(),
	code: totpCodeSchema
});
export const codeSchema = z.object({ code: totpCodeSchema });
export const sessionIdSchema = z.object({ id: z.string().min(1).max(100) });

const password = z
	.string()
	.min(LIMITS.password.min, { message: `must be at least ${LIMITS.password.min} characters` })
	.max(LIMITS.password.max, { message: `must be at most ${LIMITS.password.max} characters` });
const role = z.enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` });
const permission = z.enum(PERMISSIONS, { message: `must be one of ${PERMISSIONS.join(', ')}` });

export const createUserSchema = z.object({
	email,
	name: requiredText(LIMITS.userName),
	password,
	role,
	permission
});
export const updateUserSchema = z.object({
	id,
	email: email.optional(),
	name: requiredText(LIMITS.userName).optional(),
	password: password.optional(),
	role: role.optional(),
	permission: permission.optional(),
	active: z.boolean().optional()
});

const memberIds = z.array(id).max(1000);
export const createQueueSchema = z.object({ name: requiredText(LIMITS.queueName), memberIds });
export const updateQueueSchema = z.object({
	id,
	name: requiredText(LIMITS.queueName).optional(),
	memberIds: memberIds.optional()
});

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be a time HH:MM' });
export const openingHoursSchema = z
	.object({
		timeZone: z
			.string()
			.max(100)
			.refine(
				(zone) => {
					try {
						new Intl.DateTimeFormat('en', { timeZone: zone });
						return true;
					} catch {
						return false;
					}
				},
				{ message: 'must be a time zone such as Europe/Paris' }
			),
		days: z
			.array(z.number().int().min(0).max(6), { message: 'must be days 0 (Sunday) to 6' })
			.min(1, { message: 'must name at least one day' })
			.max(7),
		from: clock,
		to: clock
	})
	.refine((hours) => hours.from < hours.to, { message: 'must end after they start', path: ['to'] });

/** A help page's address: lower-case letters, digits and dashes. */
export const helpSlugSchema = z
	.string()
	.trim()
	.min(1, { message: 'is required' })
	.max(LIMITS.helpSlug, { message: `must be at most ${LIMITS.helpSlug} characters` })
	.regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, {
		message: 'must be lower-case letters, digits and single dashes'
	});

/** An admin sets a queue's help page (`/help/<slug>`): on or off, message, opening hours. */
export const setHelpPageSchema = z.object({
	id,
	enabled: z.boolean(),
	slug: helpSlugSchema,
	message: z
		.string()
		.trim()
		.max(LIMITS.helpMessage, { message: `must be at most ${LIMITS.helpMessage} characters` }),
	hours: openingHoursSchema.nullable()
});

export const helpPageSchema = z.object({ slug: z.string().max(LIMITS.helpSlug) });

/** An end user asks for help on a queue's page; `website` is the honeypot (left empty by people). */
export const helpAskSchema = z.object({
	slug: z.string().max(LIMITS.helpSlug),
	name: requiredText(LIMITS.recipientName),
	email,
	problem: requiredText(LIMITS.comments),
	language: languageSchema,
	website: z.string().max(200).optional(),
	challenge: z.string().min(1, { message: 'is required' }).max(LIMITS.helpChallenge),
	solution: z.string().min(1, { message: 'is required' }).max(LIMITS.helpSolution)
});

export const createTokenSchema = z.object({ name: requiredText(LIMITS.tokenName) });
export const revokeTokenSchema = z.object({ id });

const linkToken = z.string().min(1, { message: 'is required' }).max(LIMITS.linkToken);
/** The key the page got when it allowed the session (needed for the session's calls). */
const sessionKey = z.string().max(100).optional();
export const linkTokenSchema = z.object({ token: linkToken, sessionKey });
export const linkRespondSchema = z.object({
	token: linkToken,
	decision: z.enum(['allow', 'deny'], { message: 'must be allow or deny' }),
	sessionKey
});

export const updateSettingsSchema = z.object({
	organizationName: requiredText(200).optional(),
	defaultExpiry: z.string().max(20).optional(),
	defaultLanguage: languageSchema.optional(),
	reminderLead: z.string().max(20).optional(),
	twoFactorRequired: z
		.enum(TWO_FACTOR_REQUIREMENTS, {
			message: `must be one of ${TWO_FACTOR_REQUIREMENTS.join(', ')}`
		})
		.optional(),
	retentionDays: z
		.number({ message: 'must be a number of days' })
		.int({ message: 'must be a whole number of days' })
		.min(RETENTION_DAYS.min, { message: `must be at least ${RETENTION_DAYS.min} day` })
		.max(RETENTION_DAYS.max, { message: `must be at most ${RETENTION_DAYS.max} days` })
		.nullable()
		.optional(),
	/** The queue an agent's requests fall back to when they have no last queue; null: none. */
	fallbackQueueId: id.nullable().optional()
});

/** An end user's address, for an admin's search, export or erasure of their data. */
export const privacyEmailSchema = z.object({ email });

/** An erasure: the address, typed a second time to confirm it. */
export const eraseEmailSchema = privacyEmailSchema.extend({
	confirmEmail: z.string().trim().max(LIMITS.email)
});

/** A browser's PushSubscription key, base64url (padding allowed) of `bytes` bytes. */
const pushKey = (bytes: number, what: string) => {
	const chars = Math.ceil((bytes * 4) / 3);
	return z.string().regex(new RegExp(`^[A-Za-z0-9_-]{${chars}}={0,2}$`), {
		message: `must be the ${what} of a push subscription (base64url, ${bytes} bytes)`
	});
};

export const pushSubscribeSchema = z.object({
	endpoint: z
		.string()
		.max(LIMITS.pushEndpoint, { message: `must be at most ${LIMITS.pushEndpoint} characters` }),
	keys: z.object({
		p256dh: pushKey(65, 'P-256 public key'),
		auth: pushKey(16, 'auth secret')
	}),
	label: z
		.string()
		.trim()
		.max(LIMITS.pushLabel, { message: `must be at most ${LIMITS.pushLabel} characters` })
		.optional()
});
export const pushUnsubscribeSchema = z.object({
	endpoint: z.string().max(LIMITS.pushEndpoint, {
		message: `must be at most ${LIMITS.pushEndpoint} characters`
	})
});
export const pushRemoveDeviceSchema = z.object({ id });

export const notificationPreferencesSchema = z.object({
	events: z
		.array(z.enum(ALERT_KINDS, { message: `must list some of ${ALERT_KINDS.join(', ')}` }))
		.max(ALERT_KINDS.length)
		.optional(),
	sound: z.boolean({ message: 'must be true or false' }).optional()
});
/** An http(s) URL without credentials; where it points is checked by the server (SSRF guard). */
const webhookUrl = z
	.string()
	.trim()
	.max(2000, { message: 'must be at most 2000 characters' })
	.pipe(z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' }))
	.refine((url) => !/^https?:\/\/[^/?#]*@/i.test(url), {
		message: 'must not carry a user name or password'
	});
const webhookEvents = z
	.array(
		z.enum(WEBHOOK_EVENT_TYPES, { message: `must be among ${WEBHOOK_EVENT_TYPES.join(', ')}` })
	)
	.min(1, { message: 'must name at least one event' })
	.transform((events) => [...new Set(events)]);
const webhookDescription = z
	.string()
	.trim()
	.max(500, { message: 'must be at most 500 characters' });

export const createWebhookSchema = z.object({
	url: webhookUrl,
	events: webhookEvents,
	description: webhookDescription.optional()
});
export const updateWebhookSchema = z.object({
	id,
	url: webhookUrl.optional(),
	events: webhookEvents.optional(),
	description: webhookDescription.optional(),
	/** Turning a disabled endpoint on again lets its waiting deliveries go. */
	enabled: z.boolean().optional()
});
export const webhookIdSchema = z.object({ id });

export const reportSummarySchema = z
	.object({
		from: instant,
		to: instant,
		agentId: id.optional(),
		queueId: id.optional(),
		outcome: z
			.enum(['completed', 'closed_by_agent', 'declined', 'expired', 'open'], {
				message: 'must be completed, closed_by_agent, declined, expired or open'
			})
			.optional(),
		/** The caller's offset from UTC in minutes (east positive): whose days `perDay` counts. */
		utcOffsetMinutes: z.number().int().min(-840).max(840).optional()
	})
	.refine((input) => Date.parse(input.to) > Date.parse(input.from), {
		message: 'must be after from',
		path: ['to']
	});
