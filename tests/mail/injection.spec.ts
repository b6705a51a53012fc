/**
 * User-supplied text in email: names, comments and the organisation name can neither add
 * headers (or recipients) nor markup. Header values are single lines; HTML is escaped.
 */
import { describe, expect, it } from 'vitest';
import { expectApiError } from '../support/client';
import { mailWorld } from './setup';
import type { Received } from './smtp-sink';

const HOSTILE_NAME = 'Eve\r\nBcc: x@y';
const HOSTILE_HTML = '<img src=x onerror=alert(1)><b>Eve</b>';
const HOSTILE_COMMENTS = '<script>alert("pwned")</script>\nSecond line & more\r\nBcc: x@y';

function headerNames(mail: Received) {
	return mail.rawHeaderLines.map((line) => line.slice(0, line.indexOf(':')).toLowerCase());
}

describe('header and HTML injection', () => {
	const world = mailWorld();

	async function deliveredFor(action: () => Promise<unknown>) {
		const before = world.sink.received.length;
		await action();
		await world.deliver();
		return world.sink.received.slice(before);
	}

	it('a line break in the recipient name adds no header and no recipient', async () => {
		const [mail] = await deliveredFor(() =>
			world.agent.mutate('requests.create', {
				recipientName: HOSTILE_NAME,
				recipientEmail: 'eve@example.com',
				sendEmail: true
			})
		);
		expect(mail.envelope.to).toEqual(['eve@example.com']);
		expect(headerNames(mail)).not.toContain('bcc');
		expect(mail.raw).not.toMatch(/^bcc:/im);
		expect(mail.headers.get('to')).toMatch(/^"?Eve Bcc: x@y"? <eve@example\.com>$/);
		expect(mail.text).toContain('Hello Eve Bcc: x@y,');
		const row = world.outbox().at(-1)!;
		expect(row.recipientName).toBe('Eve Bcc: x@y');
	});

	it('a line break in the organisation name stays inside the subject', async () => {
		await world.admin.mutate('settings.update', {
			organizationName: 'Acme\r\nBcc: boss@evil.test'
		});
		try {
			const [mail] = await deliveredFor(() =>
				world.agent.mutate('requests.create', {
					recipientName: 'Frank',
					recipientEmail: 'frank@example.com',
					sendEmail: true
				})
			);
			expect(mail.envelope.to).toEqual(['frank@example.com']);
			expect(headerNames(mail)).not.toContain('bcc');
			expect(mail.subject).toBe(
				`${world.agentUser.name} from Acme Bcc: boss@evil.test invites you to a support session`
			);
		} finally {
			await world.admin.mutate('settings.update', { organizationName: 'Beckon' });
		}
	});

	it('an address with a line break is refused before anything is written', async () => {
		const before = world.outbox().length;
		await expectApiError(
			world.agent.mutate('requests.create', {
				recipientName: 'Mallory',
				recipientEmail: 'mallory@example.com\r\nBcc: x@y',
				sendEmail: true
			}),
			'BAD_REQUEST'
		);
		expect(world.outbox().length).toBe(before);
	});

	it('markup in names and comments arrives as text', async () => {
		const [invitation, notice] = await deliveredFor(() =>
			world.agent.mutate('requests.create', {
				recipientName: HOSTILE_HTML,
				recipientEmail: 'markup@example.com',
				sendEmail: true,
				comments: HOSTILE_COMMENTS,
				// Comments are shown to agents: the colleague's notice carries them.
				assignment: { kind: 'agent', userId: world.otherUser.id }
			})
		);
		expect(invitation.envelope.to).toEqual(['markup@example.com']);
		expect(notice.envelope.to).toEqual([world.otherUser.email]);
		for (const mail of [invitation, notice]) {
			expect(mail.html).not.toMatch(/<img|<b>|<script/i);
			expect(mail.html).toContain('&lt;img src=x onerror=alert(1)&gt;&lt;b&gt;Eve&lt;/b&gt;');
			expect(headerNames(mail)).not.toContain('bcc');
		}
		// The end user's invitation does not carry the agents' comments at all.
		expect(invitation.text).not.toContain('pwned');
		expect(notice.html).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
		expect(notice.html).toContain('<br>Second line &amp; more<br>Bcc: x@y');
		// Plain text needs no escaping; it travels with CRLF line ends.
		expect(notice.text?.replace(/\r\n/g, '\n')).toContain(
			'> <script>alert("pwned")</script>\n> Second line & more\n> Bcc: x@y'
		);
	});
});
