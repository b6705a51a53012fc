/**
 * sync.push applies a run of consecutive creates together (runCreates). Whatever the mix, the
 * outcome must be the one of applying each mutation in a push of its own: the same result for
 * every mutation, the same rows, events, outbox, bookkeeping and announcements.
 */
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it, vi } from 'vitest';
import { fromZodIssues } from '../../lib/domain/errors';
import { createRequestSchema, LIMITS } from '../../lib/domain/schemas';
import { refusalOf, type PushInput } from '../../lib/sync/protocol';
import type { Beckon } from '../app';
import { testUser, useTestBeckon } from '../../../tests/support/test-beckon';
import { log } from '../log';
import { createQueue } from './queues';
import { findRow } from './request-records';
import { createRequest } from './requests';
import { push } from './sync';
import { loadAuthUser, type AuthUser } from './users';
import { rolledBack } from '../../../tests/support/rolled-back';
import { TEST_DATABASE_URL } from '../../../tests/support/database';
import { sqliteOf } from '../db';

const HOUR = 3_600_000;
const NOW = Date.parse('2030-05-06T08:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

type Mutations = PushInput['mutations'];

describe('sync.push with runs of creates', () => {
	let app: Beckon;
	let agent: AuthUser;
	let other: AuthUser;
	let viewer: AuthUser;
	let queueId: string;
	let storedId: string;

	useTestBeckon(
		() => NOW,
		async (opened) => {
			app = opened;
			agent = await testUser(app, 'agent');
			other = await testUser(app, 'other');
			viewer = await testUser(app, 'viewer', 'agent', 'view');
			queueId = createQueue(app, { name: 'Desk', memberIds: [agent.id] }).id;
			agent = loadAuthUser(app, agent.id)!;
			storedId = createRequest(app, agent, { recipientName: 'Already here' }).id;
		}
	);

	/** Everything `pushes` write and announce, rolled back afterwards. */
	function effectsOf(by: AuthUser, clientId: string, pushes: Mutations[]) {
		const all = (sql: string) => app.sqlite.prepare(sql).all();
		return rolledBack(app, () => ({
			results: pushes.flatMap((mutations) => push(app, by, { clientId, mutations }).results),
			requests: all('SELECT * FROM session_requests ORDER BY version'),
			// In order, without ids: PostgreSQL's sequences do not roll back, SQLite's do.
			events: all('SELECT request_id, type, actor, at, data FROM request_events ORDER BY id'),
			// Outbox ids and Message-IDs are made afresh for every message.
			outbox: all(
				`SELECT request_id, kind, recipient, subject, text, html, ics, status, created_at
				 FROM mail_outbox ORDER BY request_id, kind, recipient`
			),
			mutations: all('SELECT * FROM sync_mutations ORDER BY mutation_id'),
			clients: all('SELECT * FROM sync_clients'),
			counters: all('SELECT * FROM counters')
		}));
	}

	/** The batch as one push, against each mutation in a push of its own. */
	function expectSameAsOneByOne(by: AuthUser, mutations: Mutations) {
		const clientId = randomUUID();
		// Applied together for real: not through runCreates' fallback, which logs its failure.
		const failures = vi.spyOn(log, 'error');
		let together: ReturnType<typeof effectsOf>;
		try {
			together = effectsOf(by, clientId, [mutations]);
			expect(failures).not.toHaveBeenCalled();
		} finally {
			failures.mockRestore();
		}
		const oneByOne = effectsOf(
			by,
			clientId,
			mutations.map((mutation) => [mutation])
		);
		expect(together).toEqual(oneByOne);
		return together;
	}

	it('gives every mutation of a mixed batch the outcome it has alone', () => {
		const [a, b, c, d, e, f] = Array.from({ length: 6 }, () => uuidv7());
		const create = (id: number, args: Record<string, unknown>) => ({
			id,
			name: 'createRequest' as const,
			args
		});
		const { results } = expectSameAsOneByOne(agent, [
			create(1, {
				id: a,
				recipientName: 'Ada',
				recipientEmail: 'ada@example.com',
				sendEmail: true
			}),
			create(2, { id: b, recipientName: 'Bob', assignment: { kind: 'agent', userId: other.id } }),
			create(3, { id: randomUUID(), recipientName: '' }),
			create(4, { id: a, recipientName: 'Ada again' }),
			create(5, { id: c, recipientName: 'Past', expiresAt: iso(NOW - HOUR) }),
			create(6, { id: d, recipientName: 'No queue', assignment: { kind: 'queue', queueId: d } }),
			create(7, { id: d, recipientName: 'Queued', assignment: { kind: 'queue', queueId } }),
			create(8, { id: storedId, recipientName: 'Taken id' }),
			create(9, 'not an object' as never),
			{ id: 10, name: 'updateRequest', args: { id: a, comments: 'Between two runs' } },
			create(11, {
				id: e,
				recipientName: 'Eve',
				recipientEmail: 'eve@example.com',
				sendEmail: true,
				scheduledAt: iso(NOW + 2 * HOUR),
				emailLanguage: 'de'
			}),
			create(12, { id: e, recipientName: 'Eve twice' }),
			create(13, { id: f, recipientName: 'Send without address', sendEmail: true }),
			{ id: 14, name: 'closeRequest', args: { id: b } },
			create(15, { id: f, recipientName: 'Fay', assignment: { kind: 'unassigned' } }),
			create(15, { id: f, recipientName: 'Fay, the same mutation again' }),
			create(16, { id: uuidv7(), recipientName: 'Gus', comments: 'Last of the run' }),
			// A gap: 17 is missing, so 18 waits.
			create(18, { id: uuidv7(), recipientName: 'Too early' })
		]);
		expect(results.map((r) => (r.ok ? 'ok' : r.error?.code))).toEqual([
			'ok',
			'ok',
			'BAD_REQUEST',
			'CONFLICT',
			'BAD_REQUEST',
			'BAD_REQUEST',
			'ok',
			'CONFLICT',
			'BAD_REQUEST',
			'ok',
			'ok',
			'CONFLICT',
			'BAD_REQUEST',
			'ok',
			'ok',
			'ok',
			'ok'
		]);
	});

	it('refuses every create of a viewer alike', () => {
		const { results } = expectSameAsOneByOne(
			viewer,
			[1, 2, 3].map((id) => ({
				id,
				name: 'createRequest' as const,
				args: { id: uuidv7(), recipientName: `Viewer ${id}` }
			}))
		);
		expect(results.map((r) => r.error?.code)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
	});

	it('answers a repeated push of a run as the first time, without applying it again', () => {
		const clientId = randomUUID();
		const run = [1, 2, 3].map((id) => ({
			id,
			name: 'createRequest' as const,
			args: { id: uuidv7(), recipientName: id === 2 ? '' : `Repeat ${id}` }
		}));
		const once = effectsOf(agent, clientId, [run]);
		const twice = effectsOf(agent, clientId, [run, run, run.slice(1)]) as typeof once & {
			requests: unknown[];
		};
		expect(twice.results).toEqual([...once.results, ...once.results, ...once.results.slice(1)]);
		expect(twice.requests).toEqual((once as typeof twice).requests);
	});
	it("refuses and keeps every create's arguments as the create schema itself does", () => {
		// The push parses with a compiled copy of the schema (z.compile): its refusals must be the
		// schema's own, word for word, and what it accepts stored as the schema gives it.
		const refused: unknown[] = [
			{},
			{ recipientName: '' },
			{ recipientName: '   ' },
			{ recipientName: 'a'.repeat(LIMITS.recipientName + 1) },
			{ recipientName: 42 },
			{ id: 'not-a-uuid', recipientName: 'Ada' },
			{ recipientName: 'Ada', recipientEmail: 'not an address' },
			{ recipientName: 'Ada', recipientEmail: '   ' },
			{ recipientName: 'Ada', recipientEmail: 42 },
			{ recipientName: 'Ada', recipientEmail: `${'a'.repeat(250)}@example.com` },
			{ recipientName: 'Ada', sendEmail: 'yes' },
			{ recipientName: 'Ada', sendEmail: true },
			{ recipientName: 'Ada', sendEmail: true, recipientEmail: '' },
			{ recipientName: 'Ada', emailLanguage: 'xx' },
			{ recipientName: 'Ada', comments: 'x'.repeat(LIMITS.comments + 1) },
			{ recipientName: 'Ada', scheduledAt: 'tomorrow' },
			{ recipientName: 'Ada', timeZone: 'Mars/Olympus' },
			{ recipientName: 'Ada', expiresAt: 5 },
			{ recipientName: 'Ada', assignment: { kind: 'someone' } },
			{ recipientName: 'Ada', assignment: { kind: 'agent', userId: 'x' } },
			[],
			null,
			'Ada'
		];
		const accepted: Record<string, unknown>[] = [
			{ recipientName: '  Ada  ', recipientEmail: ' ada@example.com ', extra: 'dropped' },
			{ recipientName: 'Bob', recipientEmail: '', comments: '' },
			{ recipientName: 'Cy', recipientEmail: null, sendEmail: false, emailLanguage: 'fr' },
			{
				recipientName: 'Di',
				recipientEmail: 'di@example.com',
				sendEmail: true,
				scheduledAt: iso(NOW + HOUR),
				timeZone: ' europe/madrid ',
				expiresAt: iso(NOW + 3 * HOUR),
				assignment: { kind: 'unassigned', extra: 1 }
			}
		].map((args) => ({ id: uuidv7(), ...args }));
		const mutations = [...refused, ...accepted].map((args, i) => ({
			id: i + 1,
			name: 'createRequest' as const,
			args
		}));
		const { results } = push(app, agent, { clientId: randomUUID(), mutations });
		refused.forEach((args, i) => {
			const schema = createRequestSchema.safeParse(args);
			expect(schema.success).toBe(false);
			expect(results[i].error).toEqual(refusalOf(fromZodIssues(schema.error!.issues)));
		});
		accepted.forEach((args, k) => {
			expect(results[refused.length + k]).toEqual({ id: refused.length + k + 1, ok: true });
			const data = createRequestSchema.parse(args);
			const row = findRow(app, args.id as string)!;
			expect({
				recipientName: row.recipientName,
				recipientEmail: row.recipientEmail,
				comments: row.comments,
				timeZone: row.timeZone,
				emailLanguage: row.emailLanguage
			}).toEqual({
				recipientName: data.recipientName,
				recipientEmail: data.recipientEmail ?? null,
				comments: data.comments ?? '',
				timeZone: data.timeZone ?? null,
				emailLanguage: data.emailLanguage ?? 'en'
			});
		});
	});
	// SQLite's own functions and triggers make the failure: PostgreSQL has no JavaScript functions.
	it.skipIf(!!TEST_DATABASE_URL)(
		'applies a push again, its runs isolated, when writing a run fails, with the outcome each mutation has alone',
		() => {
			// A trigger calls a function of this test that fails the first `failing` inserts of
			// 'Boom' and lets later ones pass: the run's batch insert fails, unexpectedly.
			let failing = 0;
			let calls = 0;
			const sqlite = sqliteOf(app.sqlite);
			sqlite.function('fail_boom', () => {
				calls += 1;
				if (calls <= failing) throw new Error('the disk said no');
				return 0;
			});
			sqlite.exec(`CREATE TEMP TRIGGER fail_boom BEFORE INSERT ON session_requests
				WHEN NEW.recipient_name = 'Boom' BEGIN SELECT fail_boom(); END`);
			try {
				// Once: the push is applied again and its run inserted together. Twice: the run
				// fails in its savepoint too and goes one by one.
				for (const [times, messages] of [
					[1, ['sync.push: a run of creates failed; applying the push again']],
					[
						2,
						[
							'sync.push: a run of creates failed; applying the push again',
							'sync.push: a run of creates failed; applying it one by one'
						]
					]
				] as const) {
					failing = times;
					calls = 0;
					const mutations = ['Ann', 'Boom', '', 'Cid'].map((recipientName, i) => ({
						id: i + 1,
						name: 'createRequest' as const,
						args: { id: uuidv7(), recipientName }
					}));
					const clientId = randomUUID();
					const logged = vi.spyOn(log, 'error');
					let together: ReturnType<typeof effectsOf>;
					try {
						together = effectsOf(agent, clientId, [mutations]);
						expect(logged.mock.calls.map(([, message]) => message)).toEqual(messages);
					} finally {
						logged.mockRestore();
					}
					expect(calls).toBe(times + 1);
					const oneByOne = effectsOf(
						agent,
						clientId,
						mutations.map((mutation) => [mutation])
					);
					expect(together).toEqual(oneByOne);
					expect(together.results.map((r) => r.ok)).toEqual([true, true, false, true]);
				}
			} finally {
				sqlite.exec('DROP TRIGGER fail_boom');
			}
		}
	);
});
