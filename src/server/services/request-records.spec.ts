/**
 * The sweep's batched expiry against the one-change path: recordExpiries must write exactly what
 * recordChange with the `expire` action writes for each row, and announce the same changes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolledBack } from '../../../tests/support/rolled-back';
import { SYSTEM_ACTOR } from '../../lib/domain/types';
import type { Beckon } from '../app';
import { createTestBeckon } from '../../../tests/support/database';
import { createLinkToken } from './link-tokens';
import { openLink } from './link-page';
import {
	findRow,
	recordChange,
	recordExpiries,
	rowsFrom,
	ROW_SELECT,
	writeRows
} from './request-records';
import { createRequest, requestConnect } from './requests';
import { createUser, loadAuthUser, type AuthUser } from './users';
import { prepareSql } from '../db/plain-sql';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

let dataDir: string;
let app: Beckon;
let agent: AuthUser;
let now = Date.parse('2030-03-04T10:00:00.000Z');

beforeAll(async () => {
	dataDir = mkdtempSync(join(tmpdir(), 'beckon-expiries-'));
	app = createTestBeckon(dataDir, () => now);
	const user = await createUser(app, {
		email: 'sweep@example.com',
		name: 'Sweep',
		password: 'long enough password',
		role: 'agent',
		permission: 'edit'
	});
	agent = loadAuthUser(app, user.id)!;
});
afterAll(() => {
	app?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

describe('recordExpiries', () => {
	/** What `fn` writes and announces, rolled back afterwards. */
	const effectsOf = (fn: () => unknown) =>
		rolledBack(app, () => ({
			returned: fn(),
			requests: app.sqlite.prepare('SELECT * FROM session_requests ORDER BY id').all(),
			// In order, without ids: PostgreSQL's sequences do not roll back, SQLite's do.
			events: app.sqlite
				.prepare('SELECT request_id, type, actor, at, data FROM request_events ORDER BY id')
				.all(),
			counter: app.sqlite.prepare("SELECT value FROM counters WHERE name = 'version'").get()
		}));

	it('writes and announces what recordChange writes for each expired row', () => {
		const make = (recipientName: string, lifetime: number) =>
			createRequest(app, agent, { recipientName, expiresAt: iso(now + lifetime) });
		const open = make('Open', HOUR);
		const waiting = make('Waiting', 2 * HOUR);
		openLink(app, createLinkToken(app.secret, waiting.id, 1), '192.0.2.1');
		requestConnect(app, agent, { id: waiting.id });
		const alsoOpen = make('Also open', HOUR);
		now += 3 * HOUR;
		const due = [open, waiting, alsoOpen].map((r) => findRow(app, r.id)!);
		expect(due.map((r) => [r.status, r.connectRequested])).toEqual([
			['open', false],
			['waiting', true],
			['open', false]
		]);

		const oneByOne = effectsOf(() =>
			due.map((row) =>
				recordChange(app, row, {
					action: 'expire',
					actor: SYSTEM_ACTOR,
					event: { type: 'expired', data: { expiresAt: iso(row.expiresAt) } }
				})
			)
		);
		const batched = effectsOf(() => recordExpiries(app, due, SYSTEM_ACTOR));
		expect(batched).toEqual(oneByOne);
		expect((batched as { returned: unknown[] }).returned).toHaveLength(3);
	});

	it('refuses, writing nothing, a row changed since it was read', () => {
		const stale = findRow(app, createRequest(app, agent, { recipientName: 'Stale' }).id)!;
		prepareSql(
			app.sqlite,
			(param) => `UPDATE session_requests SET version = version + 100 WHERE id = ${param()}`
		).run(stale.id);
		expect(() =>
			app.sqlite.transaction(() => recordExpiries(app, [stale], SYSTEM_ACTOR))()
		).toThrow(/changed under a write transaction/);
	});
});

describe('writeRows, the one write path', () => {
	const counter = () =>
		(
			app.sqlite.prepare("SELECT value FROM counters WHERE name = 'version'").get() as {
				value: number;
			}
		).value;

	it('writes each row with the next version, its event, and a notification, in order', () => {
		const rows = ['One', 'Two', 'Three'].map((recipientName) =>
			findRow(app, createRequest(app, agent, { recipientName }).id)!
		);
		const before = counter();
		const effects = rolledBack(app, () => {
			const written = writeRows(app, [
				{ row: rows[0], set: { endUserSeenAt: now } },
				{
					row: rows[1],
					set: { sendEmail: true, recipientEmail: 'two@example.com', comments: undefined },
					event: { actor: agent.id, type: 'updated', data: { fields: ['sendEmail'] } }
				},
				{ row: rows[2], set: {}, event: { actor: SYSTEM_ACTOR, type: 'email_sent' } }
			]);
			return {
				written,
				stored: rows.map((r) => findRow(app, r.id)),
				events: app.sqlite
					.prepare(
						"SELECT request_id, type, actor, data, at FROM request_events WHERE type != 'created' ORDER BY id"
					)
					.all()
					.filter((e) => rows.some((r) => r.id === (e as { request_id: string }).request_id))
			};
		});
		expect(effects.written.map((r) => r.version)).toEqual([before + 1, before + 2, before + 3]);
		// What it returns is what it stored, booleans included.
		expect(effects.stored).toEqual(effects.written);
		expect(effects.written[0]).toMatchObject({ endUserSeenAt: now, comments: rows[0].comments });
		expect(effects.written[1]).toMatchObject({
			sendEmail: true,
			recipientEmail: 'two@example.com',
			comments: rows[1].comments
		});
		expect(effects.events).toEqual([
			{
				request_id: rows[1].id,
				type: 'updated',
				actor: agent.id,
				data: JSON.stringify({ fields: ['sendEmail'] }),
				at: now
			},
			{ request_id: rows[2].id, type: 'email_sent', actor: SYSTEM_ACTOR, data: '{}', at: now }
		]);
		expect(effects.announced.map((c) => c.requestId)).toEqual(rows.map((r) => r.id));
	});

	it('reads rows in raw mode as the query builder maps them: booleans, nulls, every column', () => {
		const plain = createRequest(app, agent, { recipientName: 'Plain' });
		const full = createRequest(app, agent, {
			recipientName: 'Full',
			recipientEmail: 'full@example.com',
			sendEmail: true,
			scheduledAt: iso(now + HOUR),
			timeZone: 'Europe/Lisbon'
		});
		const read = prepareSql(
			app.sqlite,
			(param) => `SELECT ${ROW_SELECT} FROM session_requests WHERE id IN (${param()}, ${param()})`
		).raw();
		const rows = rowsFrom(read.all(plain.id, full.id) as unknown[][]);
		const byId = new Map(rows.map((row) => [row.id, row]));
		for (const id of [plain.id, full.id]) {
			// The same keys in the same order, with the same values and types.
			expect(Object.entries(byId.get(id)!)).toEqual(Object.entries(findRow(app, id)!));
		}
		expect(byId.get(full.id)).toMatchObject({ sendEmail: true, connectRequested: false });
		expect(byId.get(plain.id)).toMatchObject({ sendEmail: false, scheduledAt: null });
	});

	it('refuses, writing nothing, when any row changed since it was read', () => {
		const fresh = findRow(app, createRequest(app, agent, { recipientName: 'Fresh' }).id)!;
		const stale = findRow(app, createRequest(app, agent, { recipientName: 'Stale' }).id)!;
		prepareSql(
			app.sqlite,
			(param) => `UPDATE session_requests SET version = version + 100 WHERE id = ${param()}`
		).run(stale.id);
		const before = counter();
		expect(() =>
			app.sqlite.transaction(() =>
				writeRows(app, [
					{ row: fresh, set: { comments: 'first' } },
					{ row: stale, set: { comments: 'second' } }
				])
			)()
		).toThrow(/changed under a write transaction/);
		expect(findRow(app, fresh.id)).toEqual(fresh);
		expect(counter()).toBe(before);
	});
});
