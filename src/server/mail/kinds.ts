/** The kinds of email Beckon sends, as stored in the outbox's `kind` column. */
export const MAIL_KINDS = [
	/** To the end user: the session link (on create, on reopen, or once email is turned on). */
	'invitation',
	/** To the end user: the session moved to another time, or is no longer scheduled. */
	'schedule_changed',
	/** To the end user: the request was closed (by the agent, by them, or after the session). */
	'closed',
	/** To the end user: the link expired. */
	'expired',
	/** To the end user, shortly before the scheduled time. */
	'reminder',
	/** To an agent: a request was assigned to them by someone else. */
	'assigned',
	/** To the assigned agent, shortly before the scheduled time. */
	'assignee_reminder',
	/** To every admin: a webhook endpoint was disabled (410, or failing for three days). */
	'webhook_disabled'
] as const;
export type MailKind = (typeof MAIL_KINDS)[number];
