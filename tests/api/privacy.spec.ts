/**
 * Privacy (issue 23): retention anonymises exactly the due requests; an admin finds, exports and
 * erases everything held about one address, in one transaction, and a refused erasure changes
 * nothing. Runs on SQLite, and on PostgreSQL with BECKON_TEST_DATABASE_URL.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireDueRequests } from '../../src/server/jobs/expiry';
import { anonymizeDueRequests } from '../../src/server/jobs/retention';
import type { Beckon } from '../../src/server/app';
import { claimNextMail, markMailSent } from '../../src/server/services/mail';
import { ApiClient, expectApiError } from '../support/client';
import { makeUser, startTestServer, type TestServer } from '../support/server';
import { prepareSql } from '../../src/server/db/plain-sql';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();
const tokenOf = (link: string) => link.slice(link.lastIndexOf('/s/') + 3);

/** One server with a clock the test moves, an admin, an agent and the end user's client. */
function setup() {
	const ctx = {
		now: Date.parse('2030-03-04T10:00:00.000Z'),
		server: undefined as unknown as TestServer,
		admin: undefined as unknown as ApiClient,
		agent: undefined as unknown as ApiClient,
		adminId: '',
		/** Signs both in again: sessions end while the test moves the clock by weeks. */
		signIn: async () => {},
		endUser: undefined as unknown as ApiClient
	};
	beforeAll(async () => {
		ctx.server = await startTestServer({ clock: () => ctx.now });
		const admin = await makeUser(ctx.server.app, 'admin', 'edit');
		const agent = await makeUser(ctx.server.app, 'agent', 'edit');
		ctx.adminId = admin.id;
		ctx.admin = new ApiClient(ctx.server.url);
		ctx.agent = new ApiClient(ctx.server.url);
		ctx.signIn = async () => {
			await ctx.admin.login(admin.email, admin.password);
			await ctx.agent.login(agent.email, agent.password);
		};
		await ctx.signIn();
		ctx.endUser = new ApiClient(ctx.server.url);
	});
	afterAll(() => ctx.server?.close());
	return ctx;
}

/** The stored row, bypassing every read-time rule. */
function dbRow(app: Beckon, id: string) {
	return prepareSql(
		app.sqlite,
		(param) => `SELECT * FROM session_requests WHERE id = ${param()}`
	).get(id) as Record<string, unknown>;
}

function eventsOf(app: Beckon, id: string) {
	return (
		prepareSql(
			app.sqlite,
			(param) =>
				`SELECT type, actor, data FROM request_events WHERE request_id = ${param()} ORDER BY id`
		).all(id) as { type: string; actor: string; data: string }[]
	).map((e) => ({ ...e, data: JSON.parse(e.data) as Record<string, unknown> }));
}

function mailOf(app: Beckon, id: string) {
	return prepareSql(
		app.sqlite,
		(param) =>
			`SELECT kind, recipient, recipient_name, subject, text, html, ics, status, last_error FROM mail_outbox WHERE request_id = ${param()} ORDER BY created_at, id`
	).all(id) as Record<string, unknown>[];
}

/** Every table's text columns, read from the database's own catalogue. */
function textColumns(app: Beckon): { table: string; column: string }[] {
	if (app.dialect === 'postgres') {
		return app.sqlite
			.prepare(
				`SELECT table_name AS "table", column_name AS "column" FROM information_schema.columns
				 WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying')`
			)
			.all() as { table: string; column: string }[];
	}
	const tables = app.sqlite
		.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
		.pluck()
		.all() as string[];
	return tables.flatMap((table) =>
		(app.sqlite.prepare(`PRAGMA table_info("${table}")`).all() as { name: string; type: string }[])
			.filter((c) => c.type.toLowerCase() === 'text')
			.map((c) => ({ table, column: c.name }))
	);
}

/** Where `needle` occurs (ignoring case) in any text column of any table: `table.column` each. */
function scanDatabase(app: Beckon, needle: string): string[] {
	const columns = textColumns(app);
	expect(columns.length).toBeGreaterThan(20);
	return columns
		.filter(({ table, column }) => {
			const values = app.sqlite
				.prepare(`SELECT "${column}" FROM "${table}" WHERE "${column}" IS NOT NULL`)
				.pluck()
				.all() as string[];
			return values.some((v) => String(v).toLowerCase().includes(needle.toLowerCase()));
		})
		.map(({ table, column }) => `${table}.${column}`);
}

/** Every row of every table, for "nothing changed". */
function dump(app: Beckon) {
	const tables = [...new Set(textColumns(app).map((c) => c.table))].sort();
	return Object.fromEntries(
		tables.map((table) => [
			table,
			(app.sqlite.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[])
				.map((row) => JSON.stringify(Object.entries(row).sort()))
				.sort()
		])
	);
}

/** Makes the database refuse every update of mail_outbox (a real failure inside a transaction). */
function failMailUpdates(app: Beckon, on: boolean) {
	if (app.dialect === 'postgres') {
		app.sqlite.exec(
			on
				? `CREATE FUNCTION refuse_mail_update() RETURNS trigger LANGUAGE plpgsql
				   AS 'BEGIN RAISE EXCEPTION ''the disk is full''; END';
				   CREATE TRIGGER refuse_mail_update BEFORE UPDATE ON mail_outbox
				   FOR EACH ROW EXECUTE FUNCTION refuse_mail_update()`
				: `DROP TRIGGER refuse_mail_update ON mail_outbox; DROP FUNCTION refuse_mail_update()`
		);
		return;
	}
	app.sqlite.exec(
		on
			? `CREATE TRIGGER refuse_mail_update BEFORE UPDATE ON mail_outbox
			   BEGIN SELECT RAISE(ABORT, 'the disk is full'); END`
			: 'DROP TRIGGER refuse_mail_update'
	);
}

/** Delivers every due message (as the delivery job would after a successful SMTP exchange). */
function deliverAll(app: Beckon) {
	for (let mail = claimNextMail(app, 60_000); mail; mail = claimNextMail(app, 60_000)) {
		markMailSent(app, mail);
	}
}

describe('retention', () => {
	const ctx = setup();

	it('is off by default, and only admins set it, to a whole number of days', async () => {
		expect((await ctx.agent.query('settings.get')).retentionDays).toBeNull();
		await expectApiError(ctx.agent.mutate('settings.update', { retentionDays: 30 }), 'FORBIDDEN');
		for (const bad of [0, 1.5, 3651, '30', -1]) {
			const error = await expectApiError(
				ctx.admin.mutate('settings.update', { retentionDays: bad }),
				'BAD_REQUEST'
			);
			expect(error.body.message).toMatch(/^retentionDays: /);
		}
		expect((await ctx.admin.query('settings.get')).retentionDays).toBeNull();
		expect(await ctx.admin.mutate('settings.update', { retentionDays: 90 })).toMatchObject({
			retentionDays: 90
		});
		expect((await ctx.agent.query('settings.get')).retentionDays).toBe(90);
		expect(await ctx.admin.mutate('settings.update', { retentionDays: null })).toMatchObject({
			retentionDays: null
		});
	});

	it('anonymises exactly the closed and expired requests past the period, once, and nothing live', async () => {
		const { admin, agent, endUser, server } = ctx;
		const { app } = server;
		const start = ctx.now;
		const create = (name: string, lifetime: number) =>
			agent.mutate('requests.create', {
				recipientName: name,
				recipientEmail: `${name.toLowerCase().replace(/ /g, '.')}@example.com`,
				sendEmail: true,
				comments: `${name} cannot print`,
				// Where the person is, roughly: personal data too.
				timeZone: 'Europe/Lisbon',
				expiresAt: iso(ctx.now + lifetime)
			});
		const closed = await create('Closed Carla', 90 * DAY);
		await agent.mutate('requests.close', { id: closed.id });
		const expired = await create('Expired Emil', HOUR);
		const live = await create('Live Lena', 90 * DAY);
		const connected = await create('Connected Conny', 90 * DAY);
		const token = tokenOf(connected.link);
		await endUser.mutate('link.open', { token });
		await agent.mutate('requests.requestConnect', { id: connected.id });
		await endUser.mutate('link.respond', { token, decision: 'allow' });
		await agent.mutate('requests.start', { id: connected.id });
		deliverAll(app);
		ctx.now += 2 * HOUR;
		expect(expireDueRequests(app)).toBe(1);
		ctx.now = start + DAY;
		await ctx.signIn();
		const later = await create('Later Lars', 90 * DAY);
		await agent.mutate('requests.close', { id: later.id });

		const clientId = randomUUID();
		const firstPull = await agent.query('sync.pull', { clientId });

		// Off (the default): nothing is due, however old.
		ctx.now = start + 30 * DAY + 3 * HOUR;
		await ctx.signIn();
		const all = [closed, expired, live, connected, later];
		const before = new Map(all.map((r) => [r.id, dbRow(app, r.id)]));
		expect(anonymizeDueRequests(app)).toBe(0);
		for (const r of all) expect(dbRow(app, r.id)).toEqual(before.get(r.id));

		await admin.mutate('settings.update', { retentionDays: 30 });
		expect(anonymizeDueRequests(app)).toBe(2);

		for (const request of [closed, expired]) {
			const was = before.get(request.id)!;
			const row = dbRow(app, request.id);
			expect(row).toMatchObject({
				recipient_name: 'anonymized',
				recipient_email: null,
				comments: '',
				send_email: 0,
				time_zone: null,
				anonymized_at: ctx.now,
				// What reports count stays.
				status: was.status,
				closed_reason: was.closed_reason,
				created_at: was.created_at,
				status_changed_at: was.status_changed_at,
				expires_at: was.expires_at,
				assignee_id: was.assignee_id,
				created_by: was.created_by
			});
			expect(row.version as number).toBeGreaterThan(was.version as number);
			const events = eventsOf(app, request.id);
			expect(events.at(-1)).toEqual({
				type: 'anonymized',
				actor: 'system',
				data: { retentionDays: 30 }
			});
			expect(events[0].type).toBe('created');
			const text = JSON.stringify(events);
			expect(text).not.toMatch(/@example\.com/);
			const mail = mailOf(app, request.id);
			expect(mail.length).toBeGreaterThan(0);
			for (const m of mail) {
				expect(m).toMatchObject({ recipient: '', subject: '', text: '', html: '', ics: null });
			}
			const got = await admin.query('requests.get', { id: request.id });
			expect(got).toMatchObject({
				recipientName: 'anonymized',
				recipientEmail: null,
				comments: '',
				timeZone: null,
				anonymizedAt: iso(ctx.now),
				status: was.status
			});
		}
		expect(mailOf(app, closed.id).map((m) => m.status)).toContain('sent');
		// Live requests (even older than the period) and the one closed later are untouched.
		for (const r of [live, connected, later]) expect(dbRow(app, r.id)).toEqual(before.get(r.id));
		expect(mailOf(app, live.id)[0]).toMatchObject({ recipient: 'live.lena@example.com' });

		// Devices get the anonymised rows on their next pull.
		const next = await agent.query('sync.pull', { clientId, cursor: firstPull.cursor });
		expect(next.changes.map((r: { id: string }) => r.id).sort()).toEqual(
			[closed.id, expired.id].sort()
		);
		for (const r of next.changes) {
			expect(r).toMatchObject({ recipientName: 'anonymized', recipientEmail: null });
		}

		// Once: a second sweep finds nothing; an anonymised request cannot be reopened.
		const versions = [closed, expired].map((r) => dbRow(app, r.id).version);
		expect(anonymizeDueRequests(app)).toBe(0);
		expect([closed, expired].map((r) => dbRow(app, r.id).version)).toEqual(versions);
		const refused = await expectApiError(
			agent.mutate('requests.reopen', { id: closed.id }),
			'CONFLICT'
		);
		expect(refused.body.message).toMatch(/erased/);
		expect(dbRow(app, closed.id).version).toBe(versions[0]);

		// The one closed a day later is due a day later.
		ctx.now += DAY;
		await ctx.signIn();
		expect(anonymizeDueRequests(app)).toBe(1);
		expect(dbRow(app, later.id)).toMatchObject({ recipient_name: 'anonymized' });
		expect(dbRow(app, live.id)).toEqual(before.get(live.id));
		expect(dbRow(app, connected.id)).toEqual(before.get(connected.id));
	});
});

describe('finding, exporting and erasing one person’s data', () => {
	const ctx = setup();
	const PERSON = 'pia.person@example.com';
	const OTHER = 'otto.other@example.com';

	it('finds, exports and erases everything held about an address, and refuses without changing anything', async () => {
		const { admin, agent, endUser, server } = ctx;
		const { app } = server;
		const create = (name: string, email: string, comments: string) =>
			agent.mutate('requests.create', {
				recipientName: name,
				recipientEmail: email,
				sendEmail: true,
				comments,
				expiresAt: iso(ctx.now + 7 * DAY)
			});
		// Pia's requests: one closed, one waiting, one in session; her address in another case.
		const closed = await create('Pia Person', PERSON, 'Printer jams on page two');
		await agent.mutate('requests.close', { id: closed.id });
		const waiting = await create('Pia Person', 'Pia.Person@Example.COM', 'VPN drops hourly');
		await endUser.mutate('link.open', { token: tokenOf(waiting.link) });
		const inSession = await create('Pia P.', PERSON, 'Screen flickers');
		const sessionToken = tokenOf(inSession.link);
		await endUser.mutate('link.open', { token: sessionToken });
		await agent.mutate('requests.requestConnect', { id: inSession.id });
		await endUser.mutate('link.respond', { token: sessionToken, decision: 'allow' });
		await agent.mutate('requests.start', { id: inSession.id });
		// A request that was Pia's until its address was changed to Otto's.
		const moved = await create('Mo Moved', PERSON, 'Wrong address at first');
		deliverAll(app);
		await agent.mutate('requests.update', { id: moved.id, recipientEmail: OTHER });
		// Otto's own request.
		const others = await create('Otto Other', OTHER, 'Keyboard missing keys');
		deliverAll(app);

		const clientId = randomUUID();
		const firstPull = await agent.query('sync.pull', { clientId });

		// Admins only.
		for (const call of [
			agent.query('privacy.search', { email: PERSON }),
			agent.query('privacy.export', { email: PERSON }),
			agent.mutate('privacy.erase', { email: PERSON, confirmEmail: PERSON })
		]) {
			await expectApiError(call, 'FORBIDDEN');
		}

		const found = await admin.query('privacy.search', { email: ' PIA.person@example.com ' });
		expect(found.email).toBe(PERSON);
		expect(found.requests.map((r: { id: string }) => r.id).sort()).toEqual(
			[closed.id, waiting.id, inSession.id].sort()
		);
		expect(found.requests.find((r: { id: string }) => r.id === waiting.id)).toMatchObject({
			recipientName: 'Pia Person',
			status: 'waiting'
		});
		expect(found.mails).toBeGreaterThanOrEqual(4);
		expect(found.otherEvents).toBeGreaterThanOrEqual(1);

		// The export: every request of hers with its timeline and mail, nothing of anyone else.
		const exported = await admin.query('privacy.export', { email: PERSON });
		expect(exported).toMatchObject({ format: 'beckon-personal-data/1', email: PERSON });
		expect(exported.requests.map((r: { id: string }) => r.id).sort()).toEqual(
			[closed.id, waiting.id, inSession.id].sort()
		);
		const exportedWaiting = exported.requests.find((r: { id: string }) => r.id === waiting.id);
		expect(exportedWaiting).toMatchObject({
			recipientName: 'Pia Person',
			recipientEmail: 'Pia.Person@Example.COM',
			comments: 'VPN drops hourly',
			status: 'waiting'
		});
		expect(exportedWaiting.timeline.map((e: { type: string }) => e.type)).toContain('link_opened');
		expect(
			exportedWaiting.timeline.find((e: { type: string }) => e.type === 'link_opened')
		).toEqual(expect.objectContaining({ by: 'you' }));
		expect(exported.emails.length).toBe(found.mails);
		for (const mail of exported.emails) expect(mail.subject.length).toBeGreaterThan(0);
		const text = JSON.stringify(exported);
		for (const foreign of [OTHER, 'Otto', 'Keyboard', others.id, ctx.adminId]) {
			expect(text).not.toContain(foreign);
		}
		expect(text).not.toMatch(/\/s\//); // no session link: it is a credential

		// Refused erasures change nothing at all.
		const untouched = dump(app);
		const mismatch = await expectApiError(
			admin.mutate('privacy.erase', { email: PERSON, confirmEmail: OTHER }),
			'BAD_REQUEST'
		);
		expect(mismatch.body.message).toMatch(/^confirmEmail: /);
		const malformed = await expectApiError(
			admin.mutate('privacy.erase', { email: 'not-an-address', confirmEmail: 'not-an-address' }),
			'BAD_REQUEST'
		);
		expect(malformed.body.message).toMatch(/^email: /);
		expect(dump(app)).toEqual(untouched);
		// A failure halfway (the database refuses the mail update, after the live requests were
		// closed and the first one anonymised) rolls all of it back.
		failMailUpdates(app, true);
		try {
			await expectApiError(
				admin.mutate('privacy.erase', { email: PERSON, confirmEmail: PERSON }),
				'INTERNAL_SERVER_ERROR'
			);
		} finally {
			failMailUpdates(app, false);
		}
		expect(dump(app)).toEqual(untouched);
		await endUser.query('link.get', { token: tokenOf(waiting.link) });

		const waitingVersion = dbRow(app, waiting.id).version as number;
		const erased = await admin.mutate('privacy.erase', {
			email: PERSON,
			confirmEmail: 'pia.PERSON@example.com'
		});
		expect(erased).toMatchObject({ email: PERSON, requests: 3, closed: 2 });

		// Gone from every text column of every table: address, name and comments.
		expect(scanDatabase(app, PERSON)).toEqual([]);
		for (const trace of ['Pia Person', 'Pia P.', 'Printer jams', 'VPN drops', 'Screen flickers']) {
			expect(scanDatabase(app, trace)).toEqual([]);
		}

		// Her live requests were closed first: their links are dead.
		for (const request of [waiting, inSession]) {
			await expectApiError(
				endUser.query('link.get', { token: tokenOf(request.link) }),
				'NOT_FOUND'
			);
		}
		for (const request of [closed, waiting, inSession]) {
			const row = dbRow(app, request.id);
			expect(row).toMatchObject({
				status: 'closed',
				recipient_name: 'anonymized',
				recipient_email: null,
				comments: ''
			});
			const events = eventsOf(app, request.id);
			// The erasure names the admin, not the person.
			expect(events.at(-1)).toEqual({ type: 'erased', actor: ctx.adminId, data: {} });
		}
		expect(dbRow(app, waiting.id)).toMatchObject({ closed_reason: 'closed_by_agent' });
		expect(eventsOf(app, waiting.id).at(-2)).toEqual({
			type: 'closed',
			actor: ctx.adminId,
			data: { reason: 'erasure' }
		});
		expect(dbRow(app, waiting.id).version as number).toBeGreaterThan(waitingVersion);

		// Otto keeps his data; the request that was once Pia's keeps his, minus her address.
		expect(dbRow(app, others.id)).toMatchObject({
			recipient_name: 'Otto Other',
			recipient_email: OTHER,
			comments: 'Keyboard missing keys',
			anonymized_at: null
		});
		expect(dbRow(app, moved.id)).toMatchObject({ recipient_email: OTHER, anonymized_at: null });
		expect(scanDatabase(app, OTHER).length).toBeGreaterThan(0);

		// Devices get every erased request on their next pull, already anonymised.
		const next = await agent.query('sync.pull', { clientId, cursor: firstPull.cursor });
		const pulled = new Map(next.changes.map((r: { id: string }) => [r.id, r]));
		for (const request of [closed, waiting, inSession]) {
			expect(pulled.get(request.id)).toMatchObject({
				recipientName: 'anonymized',
				recipientEmail: null,
				comments: '',
				status: 'closed',
				link: null,
				anonymizedAt: iso(ctx.now)
			});
		}
		expect(JSON.stringify(next)).not.toContain('Pia');

		// Found no more; erasing again changes nothing; erased requests cannot come back.
		expect(await admin.query('privacy.search', { email: PERSON })).toEqual({
			email: PERSON,
			requests: [],
			mails: 0,
			otherEvents: 0
		});
		const afterErasure = dump(app);
		expect(
			await admin.mutate('privacy.erase', { email: PERSON, confirmEmail: PERSON })
		).toMatchObject({ requests: 0, closed: 0, mails: 0, otherEvents: 0 });
		expect(dump(app)).toEqual(afterErasure);
		await expectApiError(agent.mutate('requests.reopen', { id: waiting.id }), 'CONFLICT');
		// Its stripped mail cannot be sent again (to nobody).
		const { id: mailId } = prepareSql(
			app.sqlite,
			(param) =>
				`SELECT id FROM mail_outbox WHERE request_id = ${param()} ORDER BY created_at LIMIT 1`
		).get(closed.id) as { id: string };
		const resend = await expectApiError(admin.mutate('mail.resend', { id: mailId }), 'CONFLICT');
		expect(resend.body.message).toMatch(/erased/);
		const push = await agent.mutate('sync.push', {
			clientId,
			mutations: [{ id: 1, name: 'reopenRequest', args: { id: closed.id } }]
		});
		expect(push.results[0]).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
		expect(scanDatabase(app, 'Pia')).toEqual([]);
	});
});
