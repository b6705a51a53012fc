/**
 * A real SMTP server on 127.0.0.1 (smtp-server) that keeps what it receives. It can refuse mail
 * (temporarily or for good) or stall in the middle of DATA, to test retries and crashes.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { parseMail, type ParsedMail } from './mime';

export interface Received extends ParsedMail {
	raw: string;
	envelope: { from: string; to: string[] };
	messageId: string | undefined;
	subject: string | undefined;
}

export type SinkMode =
	| { kind: 'accept' }
	| { kind: 'refuse'; code: number; message?: string }
	/** Reads the message and never answers, like a server that hangs (or a sender that died). */
	| { kind: 'stall' };

export interface SmtpSink {
	url: string;
	received: Received[];
	mode: SinkMode;
	/** How many messages reached DATA, whatever the answer. */
	dataCount: number;
	waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
	waitForData(count: number, timeoutMs?: number): Promise<void>;
	close(): Promise<void>;
}

async function until(check: () => boolean, timeoutMs: number, what: string) {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 20));
	}
}

export async function startSink(port = 0): Promise<SmtpSink> {
	const sink: SmtpSink = {
		url: '',
		received: [],
		mode: { kind: 'accept' },
		dataCount: 0,
		waitFor: async (count, timeoutMs = 10_000) => {
			await until(() => sink.received.length >= count, timeoutMs, `${count} message(s)`);
			return sink.received;
		},
		waitForData: (count, timeoutMs = 10_000) =>
			until(() => sink.dataCount >= count, timeoutMs, `${count} DATA command(s)`),
		close: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};
	const server = new SMTPServer({
		authOptional: true,
		disabledCommands: ['STARTTLS', 'AUTH'],
		logger: false,
		// Closing does not wait for a client that hangs (or died) mid-conversation.
		closeTimeout: 200,
		onData(stream, session, callback) {
			sink.dataCount++;
			const chunks: Buffer[] = [];
			stream.on('data', (chunk: Buffer) => chunks.push(chunk));
			stream.on('error', () => {});
			stream.on('end', () => {
				const mode = sink.mode;
				if (mode.kind === 'stall') return;
				if (mode.kind === 'refuse') {
					const error = Object.assign(new Error(mode.message ?? 'Refused for the test'), {
						responseCode: mode.code
					});
					return callback(error);
				}
				const raw = Buffer.concat(chunks).toString('utf8');
				const parsed = parseMail(raw);
				sink.received.push({
					...parsed,
					raw,
					envelope: {
						from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
						to: session.envelope.rcptTo.map((r) => r.address)
					},
					messageId: parsed.headers.get('message-id'),
					subject: parsed.headers.get('subject')
				});
				callback();
			});
		}
	});
	// A client that dies mid-conversation resets its connection: expected here, not a failure.
	server.on('error', () => {});
	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
	sink.url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
	return sink;
}
