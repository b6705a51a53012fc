/**
 * A Beckon with a clock the test moves, an SMTP sink, an admin and two agents signed in, and
 * direct handles on the delivery and reminder passes (the jobs' timers stay off, so every test
 * decides when mail moves).
 */
import { asc } from 'drizzle-orm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { mailOutbox, type MailRow } from '../../src/server/db/schema';
import { deliverDueMail } from '../../src/server/jobs/mail-delivery';
import { sendDueReminders } from '../../src/server/jobs/reminders';
import { smtpTransport, type MailTransport } from '../../src/server/mail/transport';
import { ApiClient } from '../support/client';
import { makeUser, signIn, startTestServer, type TestServer } from '../support/server';
import { startSink, type SmtpSink } from './smtp-sink';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const T0 = Date.parse('2030-03-04T10:00:00.000Z');
export const MAIL_FROM = 'Beckon Support <noreply@beckon.test>';

export const iso = (ms: number) => new Date(ms).toISOString();
export const tokenOf = (link: string) => link.slice(link.lastIndexOf('/s/') + 3);

type User = Awaited<ReturnType<typeof makeUser>>;

export interface MailWorld {
	now: number;
	server: TestServer;
	sink: SmtpSink;
	transport: MailTransport;
	admin: ApiClient;
	agent: ApiClient;
	other: ApiClient;
	adminUser: User;
	agentUser: User;
	otherUser: User;
	endUser: ApiClient;
	/** One delivery pass, as the job runs it. */
	deliver(): ReturnType<typeof deliverDueMail>;
	remind(): number;
	outbox(): MailRow[];
	/** Starts another Beckon on the same data folder (a restart), optionally with SMTP. */
	restart(options?: { smtp?: boolean }): Promise<void>;
}

async function open(world: MailWorld, smtp: boolean, dataDir: string) {
	world.server = await startTestServer({
		clock: () => world.now,
		dataDir,
		env: { BECKON_MAIL_FROM: MAIL_FROM, ...(smtp ? { BECKON_SMTP_URL: world.sink.url } : {}) }
	});
	world.transport = smtpTransport(world.sink.url, world.server.app.config.mailFrom);
}

/** The same signed-in session against another server on the same database. */
function moved(client: ApiClient, url: string): ApiClient {
	const next = new ApiClient(url);
	next.cookie = client.cookie;
	return next;
}

/**
 * Sets up one world for the enclosing describe block. Read `world.admin` etc. at call time:
 * `restart()` replaces them.
 */
export function mailWorld(options: { smtp?: boolean } = {}): MailWorld {
	const world = { now: T0 } as MailWorld;
	const dataDir = mkdtempSync(join(tmpdir(), 'beckon-mail-'));
	beforeAll(async () => {
		world.sink = await startSink();
		await open(world, options.smtp ?? true, dataDir);
		const { app } = world.server;
		world.adminUser = await makeUser(app, 'admin', 'edit');
		world.agentUser = await makeUser(app, 'agent', 'edit');
		world.otherUser = await makeUser(app, 'agent', 'edit');
		world.admin = await signIn(world.server, world.adminUser);
		world.agent = await signIn(world.server, world.agentUser);
		world.other = await signIn(world.server, world.otherUser);
		world.endUser = new ApiClient(world.server.url);
	});
	afterAll(async () => {
		world.transport?.close();
		await world.server?.close();
		await world.sink?.close();
		rmSync(dataDir, { recursive: true, force: true });
	});
	world.deliver = () => deliverDueMail(world.server.app, world.transport);
	world.remind = () => sendDueReminders(world.server.app);
	world.outbox = () =>
		world.server.app.db
			.select()
			.from(mailOutbox)
			.orderBy(asc(mailOutbox.createdAt), asc(mailOutbox.id))
			.all();
	world.restart = async ({ smtp = true } = {}) => {
		world.transport.close();
		await world.server.close();
		await open(world, smtp, dataDir);
		world.admin = moved(world.admin, world.server.url);
		world.agent = moved(world.agent, world.server.url);
		world.other = moved(world.other, world.server.url);
		world.endUser = new ApiClient(world.server.url);
	};
	return world;
}
