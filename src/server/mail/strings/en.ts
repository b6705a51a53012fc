import type { MailStrings } from './index';

export const en: MailStrings = {
	greeting: (name) => `Hello ${name},`,
	footer: (org) => `This is an automatic message from ${org}.`,
	joinButton: 'Join the session',
	linkFallback: 'If the button does not work, copy this link into your browser:',
	validUntil: (when) => `The link is valid until ${when}.`,
	noInstall: 'The session runs in your web browser: there is nothing to install.',
	ignore: 'If you did not expect this email, you can ignore it.',
	calendarAttached: 'A calendar invitation is attached.',
	calendarCancelled: 'The calendar invitation has been cancelled.',
	stillNeedHelp: (org) => `If you still need help, contact ${org} and ask for a new link.`,
	invitation: {
		subject: (agent, org) => `${agent} from ${org} invites you to a support session`,
		intro: (agent, org) =>
			`${agent} from ${org} invites you to a remote support session. You will be able to share your screen and chat with ${agent}.`,
		scheduled: (when) => `The session is scheduled for ${when}.`,
		unscheduled: (agent) =>
			`Open the link when you are ready: ${agent} will see that you are waiting.`
	},
	scheduleChanged: {
		subject: (when) => `Your support session has moved to ${when}`,
		subjectUnscheduled: 'Your support session is no longer scheduled',
		intro: (agent, when) => `${agent} has moved your support session. The new time is ${when}.`,
		introUnscheduled: (agent) =>
			`${agent} has removed the scheduled time of your support session. You can open the link whenever you are ready.`
	},
	closed: {
		subject: {
			completed: 'Your support session has ended',
			closed_by_agent: 'Your support session request has been closed',
			declined_by_user: 'You declined the support session'
		},
		body: {
			completed: (agent) => `Your support session with ${agent} has ended. Thank you!`,
			closed_by_agent: (agent, org) =>
				`${agent} from ${org} has closed your support session request. The session link no longer works.`,
			declined_by_user: (agent) =>
				`You declined the support session with ${agent}. The session link no longer works.`
		}
	},
	expired: {
		subject: 'Your support session link has expired',
		body: (agent, org) =>
			`The support session link that ${agent} from ${org} sent you has expired and no longer works.`
	},
	reminder: {
		subject: (when) => `Reminder: your support session on ${when}`,
		body: (agent, org, when) =>
			`This is a reminder of your support session with ${agent} from ${org} on ${when}.`
	},
	assigned: {
		subject: (name) => `Session request for ${name} assigned to you`,
		intro: (by, name) =>
			by
				? `${by} has assigned you the session request for ${name}.`
				: `The session request for ${name} has been assigned to you.`
	},
	assigneeReminder: {
		subject: (name, when) => `Reminder: session with ${name} on ${when}`,
		intro: (name, when) => `Your session with ${name} is scheduled for ${when}.`
	},
	webhookDisabled: {
		subject: (url) => `Webhook endpoint disabled: ${url}`,
		gone: (url) =>
			`The endpoint ${url} answered 410 Gone, so Beckon stopped sending webhooks to it.`,
		failing: (url) =>
			`Deliveries to the endpoint ${url} kept failing for three days, so Beckon stopped sending webhooks to it.`,
		lastError: 'Last error',
		action:
			'Fix the receiver, then turn the endpoint on again under Admin → Webhooks: waiting events are then delivered.'
	},
	labels: {
		recipient: 'Recipient',
		email: 'Email',
		scheduled: 'Scheduled for',
		notScheduled: 'Not scheduled',
		comments: 'Comments',
		transferNote: 'Note from whoever handed it to you',
		openApp: 'Open Beckon'
	},
	calendar: {
		summary: (agent, org) => `Support session with ${agent} (${org})`,
		description: (link) => `Join the session: ${link}`,
		when: (when) => `Scheduled for ${when}.`
	}
};
