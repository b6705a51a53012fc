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
import { findRow, recordChange, recordExpiries } from './request-records';
import { createRequest, requestConnect } from './requests';
import { createUser, loadAuthUser, type AuthUser } from './users';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('recordExpiries', () => {
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
		app.sqlite
			.prepare('UPDATE session_requests SET version = version + 100 WHERE id = ?')
			.run(stale.id);
		expect(() =>
			app.sqlite.transaction(() => recordExpiries(app, [stale], SYSTEM_ACTOR))()
		).toThrow(/changed under a write transaction/);
	});
});
