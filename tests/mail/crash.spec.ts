/**
 * The server process killed (SIGKILL) after a change and before its email was delivered: after a
 * restart the email is delivered exactly once. The server runs as a child process built from
 * the sources; the SMTP server and the database outlive it.
 */
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBeckon } from '../../src/server/app';
import { loadConfig } from '../../src/server/config';
import { ApiClient } from '../support/client';
import { makeUser } from '../support/server';
import { startSink, type SmtpSink } from './smtp-sink';

const LEASE_MS = 1_000;

// Inside node_modules, so the built file resolves the project's packages.
const outDir = resolve('node_modules/.cache/beckon-tests', `crash-child-${process.pid}`);
let childFile: string;

beforeAll(async () => {
	await build({
		configFile: false,
		logLevel: 'silent',
		build: {
			ssr: resolve('tests/mail/crash-child.ts'),
			outDir,
			emptyOutDir: true,
			target: 'node20',
			rollupOptions: { output: { entryFileNames: 'crash-child.mjs' } }
		}
	});
	childFile = join(outDir, 'crash-child.mjs');
}, 60_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

interface Child {
	process: ChildProcess;
	url: string;
}

async function startChild(dataDir: string, smtpUrl: string | null): Promise<Child> {
	const child = spawn(process.execPath, [childFile], {
		env: {
			PATH: process.env.PATH,
			CHILD_DATA_DIR: dataDir,
			CHILD_LEASE_MS: String(LEASE_MS),
			...(smtpUrl ? { CHILD_SMTP_URL: smtpUrl } : {})
		},
		stdio: ['ignore', 'pipe', 'inherit']
	});
	const lines = createInterface({ input: child.stdout! });
	const url = await new Promise<string>((resolveUrl, reject) => {
		child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
		lines.on('line', (line) => {
			// The server's own JSON log lines come on stdout too: wait for the one with the url.
			if (!line.startsWith('{')) return;
			const { url } = JSON.parse(line) as { url?: string };
			if (url) resolveUrl(url);
		});
	});
	return { process: child, url };
}

async function kill(child: Child) {
	if (child.process.exitCode !== null || child.process.signalCode !== null) return;
	const exited = new Promise((r) => child.process.once('exit', r));
	child.process.kill('SIGKILL');
	await exited;
}

describe('killed between the change and the delivery', () => {
	let dataDir: string;
	let agent: { email: string; password: string };
	const sinks: SmtpSink[] = [];
	const children: Child[] = [];

	beforeAll(async () => {
		dataDir = mkdtempSync(join(tmpdir(), 'beckon-crash-'));
		const app = createBeckon(loadConfig({ BECKON_DATA_DIR: dataDir }));
		agent = await makeUser(app, 'agent', 'edit');
		app.close();
	});
	afterAll(async () => {
		for (const child of children) await kill(child);
		for (const sink of sinks) await sink.close();
		rmSync(dataDir, { recursive: true, force: true });
	});

	async function signedIn(url: string) {
		const api = new ApiClient(url);
		await api.login(agent.email, agent.password);
		return api;
	}

	function outboxRow(requestId: string) {
		const db = new Database(join(dataDir, 'beckon.db'), { readonly: true });
		try {
			return db
				.prepare('SELECT status, attempts, message_id FROM mail_outbox WHERE request_id = ?')
				.get(requestId) as { status: string; attempts: number; message_id: string };
		} finally {
			db.close();
		}
	}

	it('killed in the middle of the SMTP exchange: delivered once after the restart', async () => {
		const hanging = await startSink();
		hanging.mode = { kind: 'stall' };
		sinks.push(hanging);
		const first = await startChild(dataDir, hanging.url);
		children.push(first);
		const created = await (
			await signedIn(first.url)
		).mutate('requests.create', {
			recipientName: 'Crash Carla',
			recipientEmail: 'carla@example.com',
			sendEmail: true
		});
		// The message is on the wire, unanswered: the attempt's claim is committed.
		await hanging.waitForData(1);
		expect(outboxRow(created.id)).toMatchObject({ status: 'sending', attempts: 1 });
		await kill(first);

		const working = await startSink();
		sinks.push(working);
		const second = await startChild(dataDir, working.url);
		children.push(second);
		const [mail] = await working.waitFor(1, 15_000);
		// Several lease lengths and delivery passes later, still one.
		await new Promise((r) => setTimeout(r, 3 * LEASE_MS));
		expect(working.received).toHaveLength(1);
		expect(hanging.received).toHaveLength(0);
		const row = outboxRow(created.id);
		expect(row).toMatchObject({ status: 'sent', attempts: 2 });
		expect(mail.messageId).toBe(row.message_id);
		expect(mail.envelope.to).toEqual(['carla@example.com']);
		await kill(second);
	}, 60_000);

	it('killed right after the change, before any attempt: delivered once after the restart', async () => {
		// No SMTP yet: the change commits with its email and nothing tries to send it.
		const first = await startChild(dataDir, null);
		children.push(first);
		const created = await (
			await signedIn(first.url)
		).mutate('requests.create', {
			recipientName: 'Crash Dora',
			recipientEmail: 'dora@example.com',
			sendEmail: true
		});
		await kill(first);
		expect(outboxRow(created.id)).toMatchObject({ status: 'pending', attempts: 0 });

		const sink = await startSink();
		sinks.push(sink);
		const second = await startChild(dataDir, sink.url);
		children.push(second);
		await sink.waitFor(1, 15_000);
		await new Promise((r) => setTimeout(r, 3 * LEASE_MS));
		expect(sink.received.map((m) => m.envelope.to)).toEqual([['dora@example.com']]);
		expect(outboxRow(created.id)).toMatchObject({ status: 'sent', attempts: 1 });
		await kill(second);
	}, 60_000);
});
