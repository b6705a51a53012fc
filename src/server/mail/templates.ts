/**
 * What each email says. Templates take plain facts (names, instants, links) and return content
 * blocks; `renderMail` turns those into HTML and text. Names are single-lined here, so they read
 * the same in a subject and a body; multi-line text only ever appears in a quote block.
 */
import type { ClosedReason, Language } from '../../lib/domain/types';
import { formatInstant, oneLine } from './format';
import { renderMail, type Block, type RenderedMail } from './layout';
import { stringsFor } from './strings';

/** What an email to the end user may say about their request. */
export interface EndUserFacts {
	language: Language;
	organization: string;
	agentName: string;
	recipientName: string;
	/** The session link; null once the request is closed or expired. */
	link: string | null;
	scheduledAt: number | null;
	expiresAt: number;
	/** The recipient's IANA zone, which every time is written in; null: UTC. */
	timeZone: string | null;
}

/** What an email to an agent may say about a request. */
export interface AgentFacts {
	language: Language;
	organization: string;
	agentName: string;
	recipientName: string;
	recipientEmail: string | null;
	scheduledAt: number | null;
	/** The recipient's zone: the agent reads the time the recipient was told. */
	timeZone: string | null;
	comments: string;
	appUrl: string;
	/** A transfer's note for its receiver. */
	note?: string;
}

type Calendar = 'attached' | 'cancelled' | null;

function names(f: { agentName: string; organization: string }) {
	return { agent: oneLine(f.agentName), org: oneLine(f.organization) };
}

function joinBlocks(f: EndUserFacts): Block[] {
	const t = stringsFor(f.language);
	if (!f.link) return [];
	return [
		{ kind: 'button', label: t.joinButton, url: f.link, fallback: t.linkFallback },
		{
			kind: 'note',
			text: `${t.noInstall} ${t.validUntil(formatInstant(f.expiresAt, f.language, f.timeZone))}`
		}
	];
}

function calendarNote(f: EndUserFacts, calendar: Calendar): Block[] {
	const t = stringsFor(f.language);
	if (calendar === 'attached') return [{ kind: 'note', text: t.calendarAttached }];
	if (calendar === 'cancelled') return [{ kind: 'note', text: t.calendarCancelled }];
	return [];
}

function endUserMail(
	f: EndUserFacts,
	subject: string,
	blocks: Block[],
	extra: Block[] = []
): RenderedMail {
	const t = stringsFor(f.language);
	const { org } = names(f);
	return renderMail({
		language: f.language,
		subject: oneLine(subject),
		greeting: t.greeting(oneLine(f.recipientName)),
		blocks: [...blocks, ...extra],
		footer: t.footer(org)
	});
}

export function invitationMail(f: EndUserFacts, calendar: Calendar): RenderedMail {
	const t = stringsFor(f.language);
	const { agent, org } = names(f);
	const when =
		f.scheduledAt === null
			? t.invitation.unscheduled(agent)
			: t.invitation.scheduled(formatInstant(f.scheduledAt, f.language, f.timeZone));
	return endUserMail(
		f,
		t.invitation.subject(agent, org),
		[
			{ kind: 'paragraph', text: t.invitation.intro(agent, org) },
			{ kind: 'paragraph', text: when },
			...joinBlocks(f)
		],
		[...calendarNote(f, calendar), { kind: 'note', text: t.ignore }]
	);
}

export function scheduleChangedMail(f: EndUserFacts, calendar: Calendar): RenderedMail {
	const t = stringsFor(f.language);
	const { agent } = names(f);
	const when = f.scheduledAt === null ? null : formatInstant(f.scheduledAt, f.language, f.timeZone);
	return endUserMail(
		f,
		when ? t.scheduleChanged.subject(when) : t.scheduleChanged.subjectUnscheduled,
		[
			{
				kind: 'paragraph',
				text: when
					? t.scheduleChanged.intro(agent, when)
					: t.scheduleChanged.introUnscheduled(agent)
			},
			...joinBlocks(f)
		],
		calendarNote(f, calendar)
	);
}

export function closedMail(f: EndUserFacts, reason: ClosedReason, calendar: Calendar) {
	const t = stringsFor(f.language);
	const { agent, org } = names(f);
	const help: Block[] =
		reason === 'completed' ? [] : [{ kind: 'paragraph', text: t.stillNeedHelp(org) }];
	return endUserMail(
		f,
		t.closed.subject[reason],
		[{ kind: 'paragraph', text: t.closed.body[reason](agent, org) }, ...help],
		calendarNote(f, calendar)
	);
}

export function expiredMail(f: EndUserFacts, calendar: Calendar): RenderedMail {
	const t = stringsFor(f.language);
	const { agent, org } = names(f);
	return endUserMail(
		f,
		t.expired.subject,
		[
			{ kind: 'paragraph', text: t.expired.body(agent, org) },
			{ kind: 'paragraph', text: t.stillNeedHelp(org) }
		],
		calendarNote(f, calendar)
	);
}

export function reminderMail(f: EndUserFacts & { scheduledAt: number }): RenderedMail {
	const t = stringsFor(f.language);
	const { agent, org } = names(f);
	const when = formatInstant(f.scheduledAt, f.language, f.timeZone);
	return endUserMail(f, t.reminder.subject(when), [
		{ kind: 'paragraph', text: t.reminder.body(agent, org, when) },
		...joinBlocks(f)
	]);
}

function agentMail(f: AgentFacts, subject: string, intro: string): RenderedMail {
	const t = stringsFor(f.language);
	const blocks: Block[] = [
		{ kind: 'paragraph', text: intro },
		{
			kind: 'facts',
			rows: [
				[t.labels.recipient, oneLine(f.recipientName)],
				...(f.recipientEmail ? [[t.labels.email, f.recipientEmail] as [string, string]] : []),
				[
					t.labels.scheduled,
					f.scheduledAt === null
						? t.labels.notScheduled
						: formatInstant(f.scheduledAt, f.language, f.timeZone)
				]
			]
		}
	];
	if (f.note?.trim()) blocks.push({ kind: 'quote', label: t.labels.transferNote, text: f.note });
	if (f.comments.trim()) blocks.push({ kind: 'quote', label: t.labels.comments, text: f.comments });
	blocks.push({ kind: 'button', label: t.labels.openApp, url: f.appUrl, fallback: t.linkFallback });
	return renderMail({
		language: f.language,
		subject: oneLine(subject),
		greeting: t.greeting(oneLine(f.agentName)),
		blocks,
		footer: t.footer(oneLine(f.organization))
	});
}

export function assignedMail(f: AgentFacts, assignedBy: string | null): RenderedMail {
	const t = stringsFor(f.language);
	const name = oneLine(f.recipientName);
	return agentMail(
		f,
		t.assigned.subject(name),
		t.assigned.intro(assignedBy === null ? null : oneLine(assignedBy), name)
	);
}

export function assigneeReminderMail(f: AgentFacts & { scheduledAt: number }): RenderedMail {
	const t = stringsFor(f.language);
	const name = oneLine(f.recipientName);
	const when = formatInstant(f.scheduledAt, f.language, f.timeZone);
	return agentMail(f, t.assigneeReminder.subject(name, when), t.assigneeReminder.intro(name, when));
}

/** What the email to an admin about a disabled webhook endpoint says. */
export interface WebhookDisabledFacts {
	language: Language;
	organization: string;
	adminName: string;
	url: string;
	reason: 'gone' | 'failing';
	lastError: string | null;
	appUrl: string;
}

export function webhookDisabledMail(f: WebhookDisabledFacts): RenderedMail {
	const t = stringsFor(f.language);
	const url = oneLine(f.url);
	const blocks: Block[] = [
		{
			kind: 'paragraph',
			text: f.reason === 'gone' ? t.webhookDisabled.gone(url) : t.webhookDisabled.failing(url)
		}
	];
	if (f.lastError) {
		blocks.push({ kind: 'facts', rows: [[t.webhookDisabled.lastError, oneLine(f.lastError)]] });
	}
	blocks.push({ kind: 'paragraph', text: t.webhookDisabled.action });
	blocks.push({ kind: 'button', label: t.labels.openApp, url: f.appUrl, fallback: t.linkFallback });
	return renderMail({
		language: f.language,
		subject: oneLine(t.webhookDisabled.subject(url)),
		greeting: t.greeting(oneLine(f.adminName)),
		blocks,
		footer: t.footer(oneLine(f.organization))
	});
}
