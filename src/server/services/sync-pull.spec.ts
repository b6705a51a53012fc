/**
 * sync.pull's removals: of the rows a user cannot see, only those they could see under an
 * earlier assignment are sent as deleted, found with a query per 500 rows, not one per row.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Beckon } from '../app';
import { testUser, useTestBeckon } from '../../../tests/support/test-beckon';
import { assignRequest, createRequest } from './requests';
import { pull } from './sync';
import type { AuthUser } from './users';

const NOW = Date.parse('2030-05-06T08:00:00.000Z');

describe('sync.pull removals', () => {
	let app: Beckon;
	let admin: AuthUser;
	let alice: AuthUser;
	let bob: AuthUser;

	useTestBeckon(
		() => NOW,
		async (opened) => {
			app = opened;
			admin = await testUser(app, 'admin', 'admin');
			alice = await testUser(app, 'alice');
			bob = await testUser(app, 'bob');
		}
	);

	it('sends only the requests moved out of the view, with a query per 500 rows, not per row', () => {
		const toAlice = { kind: 'agent' as const, userId: alice.id };
		const toBob = { kind: 'agent' as const, userId: bob.id };
		const moved = Array.from({ length: 40 }, (_, i) =>
			createRequest(app, admin, { recipientName: `Moved ${i}`, assignment: toAlice })
		);
		const clientId = randomUUID();
		const first = pull(app, alice, { clientId, limit: 5_000 });
		expect(first.changes).toHaveLength(40);
		for (const request of moved) assignRequest(app, admin, { id: request.id, assignment: toBob });
		// Bob's own work, never Alice's: 1,100 rows she cannot see and never could.
		for (let i = 0; i < 1_100; i++) {
			createRequest(app, admin, { recipientName: `Bob's ${i}`, assignment: toBob });
		}

		let statements = 0;
		const prepare = app.sqlite.prepare;
		app.sqlite.prepare = function (this: typeof app.sqlite, ...args: Parameters<typeof prepare>) {
			statements += 1;
			return prepare.apply(this, args);
		} as typeof prepare;
		// A page may end early (it stops growing after PULL_SLICE_MS): pull to the end.
		const changes: unknown[] = [];
		const deleted: string[] = [];
		let pages = 0;
		try {
			let cursor = first.cursor;
			for (let more = true; more; pages++) {
				const page = pull(app, alice, { clientId, cursor, limit: 5_000 });
				changes.push(...page.changes);
				deleted.push(...page.deleted);
				cursor = page.cursor;
				more = page.more;
			}
		} finally {
			app.sqlite.prepare = prepare;
		}
		expect(changes).toEqual([]);
		expect(deleted.sort()).toEqual(moved.map((r) => r.id).sort());
		// 1,140 hidden rows: a few statements per page (its chunks, one lookup of earlier
		// assignments per 500 hidden rows, the bookkeeping), not one per row.
		expect(statements).toBeLessThanOrEqual(pages * 12);
		expect(statements).toBeLessThan(100);
	}, 120_000);
});
