/**
 * Sending one outbox message over SMTP with nodemailer. The Message-ID and Date come from the
 * outbox row, so a message sent again after an uncertain attempt is the same message.
 */
import nodemailer from 'nodemailer';
import type { CalendarPart } from './ics';
import { oneLine } from './format';

export interface OutgoingMail {
	messageId: string;
	to: { address: string; name: string | null };
	subject: string;
	text: string;
	html: string;
	date: Date;
	calendar: CalendarPart | null;
}

export interface MailTransport {
	send(mail: OutgoingMail): Promise<void>;
	close(): void;
}

/** Why a send failed, and whether trying again could help. */
export interface SendFailure {
	message: string;
	/** The server refused this message or recipient for good (5xx): retrying will not help. */
	permanent: boolean;
}

export function smtpTransport(url: string, from: string): MailTransport {
	const transporter = nodemailer.createTransport({
		url,
		// Bounded waits: an attempt always ends well within the delivery job's lease.
		connectionTimeout: 20_000,
		greetingTimeout: 20_000,
		socketTimeout: 60_000,
		// Message content never names files or URLs to read; refuse them if it ever did.
		disableFileAccess: true,
		disableUrlAccess: true
	});
	return {
		async send(mail) {
			await transporter.sendMail({
				from,
				to: mail.to.name
					? { name: oneLine(mail.to.name), address: oneLine(mail.to.address) }
					: oneLine(mail.to.address),
				subject: oneLine(mail.subject),
				text: mail.text,
				html: mail.html,
				messageId: mail.messageId,
				date: mail.date,
				headers: {
					// RFC 3834: no out-of-office replies to machine-sent mail.
					'Auto-Submitted': 'auto-generated',
					'X-Auto-Response-Suppress': 'All'
				},
				icalEvent: mail.calendar
					? {
							method: mail.calendar.method,
							filename: mail.calendar.method === 'CANCEL' ? 'cancel.ics' : 'invite.ics',
							content: mail.calendar.content
						}
					: undefined
			});
		},
		close() {
			transporter.close();
		}
	};
}

export function describeFailure(error: unknown): SendFailure {
	const e = error as { message?: string; responseCode?: number; code?: string };
	const message = oneLine(String(e?.message ?? error)).slice(0, 1000) || 'unknown error';
	// A 5xx answer to the sender, a recipient or the message is final (RFC 5321 §4.2.1);
	// connection trouble, timeouts, 4xx and authentication problems are worth retrying.
	const permanent =
		typeof e?.responseCode === 'number' &&
		e.responseCode >= 500 &&
		(e.code === 'EENVELOPE' || e.code === 'EMESSAGE');
	return { message, permanent };
}
