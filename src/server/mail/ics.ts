/**
 * The calendar part of invitations (iTIP over email, RFC 6047), made with ical-generator, which
 * escapes text values and folds long lines. One event per request: the UID stays the same for
 * the life of the request, and each new message carries a higher SEQUENCE (the request's
 * version), so calendars update the event on reschedule and remove it on METHOD:CANCEL.
 */
import ical, {
	ICalAttendeeRole,
	ICalAttendeeStatus,
	ICalCalendarMethod,
	ICalEventStatus
} from 'ical-generator';
import type { Language } from '../../lib/domain/types';
import { formatInstant, oneLine } from './format';
import { stringsFor } from './strings';

export type CalendarMethod = 'REQUEST' | 'CANCEL';

export interface CalendarPart {
	method: CalendarMethod;
	content: string;
}

export interface SessionEvent {
	method: CalendarMethod;
	requestId: string;
	/** Must grow with every message about the event: the request's version does. */
	sequence: number;
	start: number;
	/** The recipient's zone, which the description states the start in; null: UTC. */
	timeZone: string | null;
	/** When this message was made (DTSTAMP). */
	stamp: number;
	language: Language;
	agentName: string;
	organization: string;
	link: string | null;
	organizer: { name: string; email: string };
	attendee: { name: string; email: string };
}

/** A name as a parameter value (CN="…"), which can hold neither line breaks nor quotes. */
const paramText = (name: string) => oneLine(name).replace(/"/g, "'");

/** A session has no planned length; calendars get a half-hour slot. */
const SLOT_MS = 30 * 60_000;

export function calendarUid(requestId: string): string {
	return `${requestId}@beckon`;
}

export function sessionCalendar(e: SessionEvent): CalendarPart {
	const t = stringsFor(e.language);
	const agent = oneLine(e.agentName);
	const org = oneLine(e.organization);
	const cancel = e.method === 'CANCEL';
	const calendar = ical({
		prodId: { company: 'Beckon', product: 'Beckon', language: e.language.toUpperCase() },
		method: cancel ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST
	});
	calendar.createEvent({
		id: calendarUid(e.requestId),
		sequence: e.sequence,
		start: new Date(e.start),
		end: new Date(e.start + SLOT_MS),
		stamp: new Date(e.stamp),
		summary: t.calendar.summary(agent, org),
		// The start itself is a UTC instant, which calendars show in their owner's zone; the text
		// says it as the invitation did, in the recipient's zone.
		description: [
			t.calendar.when(formatInstant(e.start, e.language, e.timeZone)),
			...(e.link ? [t.calendar.description(e.link)] : [])
		].join('\n'),
		location: e.link,
		url: e.link,
		status: cancel ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
		organizer: { name: paramText(e.organizer.name), email: e.organizer.email },
		attendees: [
			{
				name: paramText(e.attendee.name),
				email: e.attendee.email,
				role: ICalAttendeeRole.REQ,
				rsvp: false,
				status: ICalAttendeeStatus.NEEDSACTION
			}
		]
	});
	return { method: e.method, content: calendar.toString() };
}
