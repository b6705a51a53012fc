/**
 * The SQL forms of the domain's rules against the rules themselves, on generated cases: the
 * visibility clause selects exactly the rows `canSee` allows, and the status column reads what
 * `effectiveStatus` says.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolledBack } from '../../../tests/support/rolled-back';
import { createTestBeckon } from '../../../tests/support/database';
import { effectiveStatus } from '../../lib/domain/rules';
import { PERMISSIONS, ROLES, STATUSES, type Assignment, type Viewer } from '../../lib/domain/types';
import { canSee } from '../../lib/domain/visibility';
import type { Beckon } from '../app';
import { sessionRequests } from '../db/schema';
import { createQueue } from './queues';
import { effectiveStatusSql, visibleToSql } from './request-list';
import { createUser } from './users';

const NOW = Date.parse('2030-05-06T10:00:00.000Z');
const MINUTE = 60_000;

describe('the SQL forms of the domain rules', () => {
	let dataDir: string;
	let app: Beckon;
	let userIds: string[];
	let queueIds: string[];

	beforeAll(async () => {
		dataDir = mkdtempSync(join(tmpdir(), 'beckon-rules-sql-'));
		app = createTestBeckon(dataDir, () => NOW);
		userIds = [];
		for (const name of ['Ada', 'Bob', 'Cy']) {
			const user = await createUser(app, {
				email: `${name.toLowerCase()}@example.com`,
				name,
				password: 'long enough password',
				role: 'agent',
				permission: 'edit'
			});
			userIds.push(user.id);
		}
		queueIds = ['Red', 'Blue'].map((name) => createQueue(app, { name, memberIds: [] }).id);
	});
	afterAll(() => {
		app?.close();
		rmSync(dataDir, { recursive: true, force: true });
	});

	const pick = <T>(items: () => readonly T[]) => fc.nat().map((i) => items()[i % items().length]);
	const assignment: fc.Arbitrary<Assignment> = fc.oneof(
		fc.constant({ kind: 'unassigned' as const }),
		pick(() => userIds).map((userId) => ({ kind: 'agent' as const, userId })),
		pick(() => queueIds).map((queueId) => ({ kind: 'queue' as const, queueId }))
	);
	const request = fc.record({
		assignment,
		createdBy: pick(() => userIds),
		status: fc.constantFrom(...STATUSES),
		expiresIn: fc.integer({ min: -3, max: 3 }).map((m) => m * MINUTE)
	});
	type GeneratedRequest = typeof request extends fc.Arbitrary<infer R> ? R : never;
	const viewer: fc.Arbitrary<Viewer> = fc.record({
		id: pick(() => userIds),
		role: fc.constantFrom(...ROLES),
		permission: fc.constantFrom(...PERMISSIONS),
		queueIds: fc
			.subarray(['Red', 'Blue'])
			.map((names) => names.map((n) => queueIds[n === 'Red' ? 0 : 1]))
	});

	/** Stores `requests` (rolled back afterwards) and returns what `read` reads of them. */
	function stored<T extends object>(requests: GeneratedRequest[], read: () => T) {
		return rolledBack(app, () => {
			requests.forEach((r, i) =>
				app.db
					.insert(sessionRequests)
					.values({
						id: `req-${String(i).padStart(3, '0')}`,
						recipientName: `Recipient ${i}`,
						sendEmail: false,
						emailLanguage: 'en',
						comments: '',
						expiresAt: NOW + r.expiresIn,
						assignmentKind: r.assignment.kind,
						assigneeId: r.assignment.kind === 'agent' ? r.assignment.userId : null,
						queueId: r.assignment.kind === 'queue' ? r.assignment.queueId : null,
						status: r.status,
						createdBy: r.createdBy,
						createdAt: NOW - 10 * MINUTE,
						updatedAt: NOW - 10 * MINUTE,
						statusChangedAt: NOW - 10 * MINUTE,
						version: 1_000_000 + i
					})
					.run()
			);
			return read();
		});
	}

	it('visibleToSql selects exactly the requests canSee allows', () => {
		let compared = 0;
		fc.assert(
			fc.property(fc.array(request, { minLength: 1, maxLength: 12 }), viewer, (requests, who) => {
				const { ids } = stored(requests, () => ({
					ids: app.db
						.select({ id: sessionRequests.id })
						.from(sessionRequests)
						.where(visibleToSql(who))
						.orderBy(sessionRequests.id)
						.all()
						.map((row) => row.id)
				}));
				const expected = requests
					.map((r, i) => ({ r, id: `req-${String(i).padStart(3, '0')}` }))
					.filter(({ r }) => canSee(who, r))
					.map(({ id }) => id);
				expect(ids).toEqual(expected);
				compared += requests.length;
			}),
			{ numRuns: 150 }
		);
		expect(compared).toBeGreaterThan(150);
	});

	it('effectiveStatusSql reads the status effectiveStatus gives', () => {
		fc.assert(
			fc.property(fc.array(request, { minLength: 1, maxLength: 12 }), (requests) => {
				const { statuses } = stored(requests, () => ({
					statuses: app.db
						.select({ status: effectiveStatusSql(NOW) })
						.from(sessionRequests)
						.orderBy(sessionRequests.id)
						.all()
						.map((row) => row.status)
				}));
				expect(statuses).toEqual(
					requests.map((r) => effectiveStatus(r.status, NOW + r.expiresIn, NOW))
				);
			}),
			{ numRuns: 100 }
		);
	});
});
