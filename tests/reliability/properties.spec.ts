import 'fake-indexeddb/auto';
/**
 * Property-based tests (issue 10, part 3), with fast-check:
 *
 * 1. Random sequences of actions by three agents' devices (each a real client store on
 *    fake-indexeddb: optimistic mutations, outbox, push, pull and rebase), an integration acting
 *    directly, the end user on the link page, the clock and the expiry sweeper. Whenever a
 *    device acts on a fresh copy, its optimistic result (src/lib/sync/mutators.ts) must be what
 *    the server then stores, field by field, and a change it refuses the server refuses with the
 *    same code. After everyone has synced, every device shows exactly the server's view of its
 *    user, and every change it queued was applied or is in "needs attention" with the server's
 *    reason.
 * 2. Random actions by every kind of actor, with valid and invalid arguments, straight against
 *    the services: after each one, the database holds only what the lifecycle allows (status,
 *    closed reason, connect request, event sequence: support/invariants.ts); a successful action
 *    made exactly the lifecycle's transition from the status it saw, a forbidden transition was
 *    refused, and a refused action wrote nothing.
 * 3. Every tRPC procedure, as every kind of caller, fed random JSON (wrong types, huge strings,
 *    deep nesting, junk keys, broken bodies, batches): a typed 4xx error, never a 500, and not a
 *    byte written; only input its schema accepts may succeed.
 *
 * CI runs a few dozen sequences and a few thousand calls; `npm run test:soak` many more.
 * A failure prints its seed: BECKON_FC_SEED=<seed> replays it.
 */
import fc from 'fast-check';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BeckonDB, type LocalRequest } from '../../src/lib/client/db';
import { applyPull, applyPushResults, queueMutation } from '../../src/lib/client/store';
import { DomainError } from '../../src/lib/domain/errors';
import { canTransition, transition, type Action } from '../../src/lib/domain/lifecycle';
import { effectiveStatus } from '../../src/lib/domain/rules';
import type { SessionRequest } from '../../src/lib/domain/types';
import type { Mutation, MutationContext } from '../../src/lib/sync/mutators';
import { ERROR_CODE_OF, type MutationName, type MutationResult } from '../../src/lib/sync/protocol';
import type { Beckon } from '../../src/server/app';
import { sessionRequests } from '../../src/server/db/schema';
import { expireDueRequests } from '../../src/server/jobs/expiry';
import {
	declineRequest,
	endSession as endUserEnds,
	openLink,
	respondToConnect
} from '../../src/server/services/link-page';
import { createLinkToken } from '../../src/server/services/link-tokens';
import { createQueue } from '../../src/server/services/queues';
import { findRow, toSessionRequest } from '../../src/server/services/request-records';
import * as requests from '../../src/server/services/requests';
import { MUTATORS, pull, push } from '../../src/server/services/sync';
import { createUser, loadAuthUser, type AuthUser } from '../../src/server/services/users';
import { appRouter } from '../../src/server/trpc/_app';
import { ApiClient } from '../support/client';
import { makeUser, startTestServer, type TestServer } from '../support/server';
import { cloneTestDatabase, createTestBeckon } from '../support/database';
import { checkDatabase, tableCounts } from './support/invariants';
import { seed, SOAK, size } from './support/soak';
import { prepareSql } from '../../src/server/db/plain-sql';

const T0 = Date.parse('2031-06-01T08:00:00.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const DEFAULT_EXPIRY_MS = 7 * DAY;

const SEQUENCES = size('BECKON_FC_SEQUENCES', 30, 400);
const SERVICE_RUNS = size('BECKON_FC_SERVICE_RUNS', 60, 1_000);
const FUZZ_CALLS = size('BECKON_FC_CALLS', 500, 20_000);

const params = (numRuns: number) => ({ numRuns, seed: seed(), endOnFailure: true });
/**
 * On PostgreSQL each statement is a round trip to another process (≈ 0.3 ms against SQLite's
 * microseconds): the same runs take about five times as long, more on a busy machine.
 */
const RUNS_TIMEOUT = process.env.BECKON_TEST_DATABASE_URL ? 180_000 : 60_000;

// ——— a world: a server (services, in-process) with users, a queue and devices ———

type Who = 'alice' | 'bob' | 'admin' | 'carol' | 'viewer';

interface World {
	app: Beckon;
	dir: string;
	now: number;
	users: Record<Who, AuthUser>;
	queueId: string;
	devices: Device[];
}

interface Device {
	who: Who;
	user: AuthUser;
	db: BeckonDB;
	clientId: string;
	/** A second sync client of the same user, for asking the server about refused changes. */
	probe: { clientId: string; next: number };
}

let template: string;

/** What the sequences exercised, for the report. */
const seen = { sequences: 0, actions: 0, agreed: 0, refusedAlike: 0, queued: 0, attention: 0 };

/** One database with the users and the queue, copied for each run (hashing passwords is slow). */
async function makeTemplate() {
	const dir = mkdtempSync(join(tmpdir(), 'beckon-props-template-'));
	const app = createTestBeckon(dir, () => T0);
	const make = (who: Who, role: 'admin' | 'agent', permission: 'view' | 'edit') =>
		createUser(app, {
			email: `${who}@props.example.com`,
			name: who[0].toUpperCase() + who.slice(1),
			password: 'a long password',
			role,
			permission
		});
	const alice = await make('alice', 'agent', 'edit');
	const bob = await make('bob', 'agent', 'edit');
	await make('admin', 'admin', 'edit');
	await make('carol', 'agent', 'edit');
	await make('viewer', 'agent', 'view');
	createQueue(app, { name: 'Tier 1', memberIds: [alice.id, bob.id] });
	app.close();
	return dir;
}

async function openWorld(): Promise<World> {
	const dir = mkdtempSync(join(tmpdir(), 'beckon-props-'));
	cpSync(template, dir, { recursive: true });
	cloneTestDatabase(template, dir);
	const world = { now: T0 } as World;
	world.dir = dir;
	world.app = createTestBeckon(dir, () => world.now);
	const rows = world.app.sqlite.prepare('SELECT id, email FROM users').all() as {
		id: string;
		email: string;
	}[];
	world.users = Object.fromEntries(
		rows.map((r) => [r.email.split('@')[0], loadAuthUser(world.app, r.id) as AuthUser])
	) as Record<Who, AuthUser>;
	world.queueId = world.users.alice.queueIds[0];
	world.devices = (['alice', 'bob', 'admin'] as const).map((who) => ({
		who,
		user: world.users[who],
		db: new BeckonDB(`props-${crypto.randomUUID()}`),
		clientId: crypto.randomUUID(),
		probe: { clientId: crypto.randomUUID(), next: 1 }
	}));
	return world;
}

async function closeWorld(world: World) {
	await Promise.all(world.devices.map((d) => d.db.delete()));
	world.app.close();
	rmSync(world.dir, { recursive: true, force: true });
}

function ctxOf(world: World, device: Device): MutationContext {
	return {
		userId: device.user.id,
		isAdmin: device.user.role === 'admin',
		queueIds: device.user.queueIds,
		now: world.now,
		defaultExpiryMs: DEFAULT_EXPIRY_MS,
		defaultLanguage: 'en'
	};
}

const serverVersion = (world: World) =>
	(
		world.app.sqlite.prepare(`SELECT value FROM counters WHERE name = 'version'`).get() as {
			value: number;
		}
	).value;

async function pushDevice(world: World, device: Device) {
	const batch = await device.db.outbox.orderBy('id').toArray();
	if (batch.length === 0) return;
	const answer = push(world.app, device.user, {
		clientId: device.clientId,
		protocolVersion: 1,
		mutations: batch.map(({ id, name, args }) => ({ id, name, args }))
	});
	await applyPushResults(device.db, batch, answer.results, ctxOf(world, device));
}

async function pullDevice(world: World, device: Device) {
	for (;;) {
		const cursor = (await device.db.getMeta<string>('cursor')) ?? null;
		const page = pull(world.app, device.user, {
			clientId: device.clientId,
			protocolVersion: 1,
			cursor,
			limit: 1000
		});
		await applyPull(device.db, page, ctxOf(world, device));
		if (!page.more) return;
	}
}

/** The device's copy is the server's latest: nothing pending, nothing changed since its pull. */
async function isFresh(world: World, device: Device) {
	if ((await device.db.outbox.count()) > 0) return false;
	const cursor = await device.db.getMeta<string>('cursor');
	return cursor !== undefined && Number(cursor.split('.')[0]) === serverVersion(world);
}

const stripLocal = ({ assignee: _a, pending: _p, unsynced: _u, ...rest }: LocalRequest) =>
	rest as SessionRequest;

/** The fields an optimistic result predicts (the server alone makes versions and links). */
const predicted = ({ version: _v, link: _l, ...rest }: SessionRequest) => rest;

// ——— random changes, made from what a device shows ———

const OPS = [
	'createRequest',
	'createRequest',
	'updateRequest',
	'assignRequest',
	'takeRequest',
	'requestConnect',
	'startSession',
	'endSession',
	'closeRequest',
	'reopenRequest',
	'extendExpiry',
	'regenerateLink'
] as const satisfies readonly MutationName[];

const NAMES = ['Ann', '  Bea  ', 'Çağla Öz', '李雷', "O'Hara", 'x'.repeat(200)];

function assignmentFor(world: World, who: Who, variant: number) {
	const others = (['alice', 'bob', 'carol', 'admin'] as const).filter((w) => w !== who);
	switch (variant % 6) {
		case 0:
			return { kind: 'me' };
		case 1:
			return { kind: 'unassigned' };
		case 2:
			return { kind: 'queue', queueId: world.queueId };
		case 3:
			return { kind: 'agent', userId: world.users[others[variant % others.length]].id };
		case 4:
			return { kind: 'agent', userId: world.users[who].id };
		default:
			// Refused by both sides' schemas or the server's checks.
			return variant % 12 === 5
				? { kind: 'agent', userId: world.users.viewer.id }
				: { kind: 'queue', queueId: world.queueId };
	}
}

function makeMutation(
	world: World,
	who: Who,
	op: MutationName,
	target: SessionRequest | undefined,
	variant: number
): Mutation | null {
	const iso = (ms: number) => new Date(ms).toISOString();
	const now = world.now;
	if (op === 'createRequest') {
		const email = variant % 3 !== 0;
		return {
			name: op,
			args: {
				id: uuidv7(),
				recipientName: NAMES[variant % NAMES.length],
				...(email ? { recipientEmail: `user${variant}@example.com` } : {}),
				sendEmail: variant % 4 === 1 ? true : email && variant % 2 === 0,
				comments: variant % 5 === 0 ? 'Printer offline' : undefined,
				scheduledAt: variant % 7 === 0 ? iso(now + (variant % 3) * HOUR - HOUR / 2) : undefined,
				expiresAt: variant % 11 === 0 ? iso(now + 3 * HOUR) : undefined,
				assignment: assignmentFor(world, who, variant >> 2)
			}
		} as Mutation;
	}
	if (!target) return null;
	const id = target.id;
	switch (op) {
		case 'updateRequest': {
			const patches = [
				{ comments: `note ${variant}` },
				{ recipientName: NAMES[variant % NAMES.length] },
				{ sendEmail: true },
				{ recipientEmail: '', sendEmail: false },
				{ recipientEmail: `new${variant}@example.com`, sendEmail: true },
				{ scheduledAt: iso(now + (1 + (variant % 5)) * HOUR) },
				{ scheduledAt: null },
				{ scheduledAt: iso(now - HOUR) }
			];
			return { name: op, args: { id, ...patches[variant % patches.length] } } as Mutation;
		}
		case 'assignRequest':
			return { name: op, args: { id, assignment: assignmentFor(world, who, variant) } } as Mutation;
		case 'reopenRequest':
			return {
				name: op,
				args: variant % 3 === 0 ? { id, expiresAt: iso(now + (variant % 4) * DAY) } : { id }
			} as Mutation;
		case 'extendExpiry':
			return {
				name: op,
				args: { id, expiresAt: iso(now + ((variant % 6) - 1) * 12 * HOUR) }
			} as Mutation;
		default:
			return { name: op, args: { id } } as Mutation;
	}
}

// ——— actions ———

type WorldAction =
	| { t: 'mutate'; device: number; op: MutationName; pick: number; variant: number; sync: boolean }
	| { t: 'sync'; device: number }
	| { t: 'direct'; op: MutationName; pick: number; variant: number }
	| { t: 'endUser'; act: 'open' | 'allow' | 'deny' | 'decline' | 'end'; pick: number }
	| { t: 'tick'; ms: number }
	| { t: 'sweep' };

const worldAction: fc.Arbitrary<WorldAction> = fc.oneof(
	{
		weight: 8,
		arbitrary: fc.record({
			t: fc.constant('mutate' as const),
			device: fc.nat(2),
			op: fc.constantFrom(...OPS),
			pick: fc.nat(),
			variant: fc.nat(1000),
			sync: fc.boolean()
		})
	},
	{ weight: 3, arbitrary: fc.record({ t: fc.constant('sync' as const), device: fc.nat(2) }) },
	{
		weight: 2,
		arbitrary: fc.record({
			t: fc.constant('direct' as const),
			op: fc.constantFrom(...OPS),
			pick: fc.nat(),
			variant: fc.nat(1000)
		})
	},
	{
		weight: 4,
		arbitrary: fc.record({
			t: fc.constant('endUser' as const),
			act: fc.constantFrom('open', 'open', 'allow', 'deny', 'decline', 'end'),
			pick: fc.nat()
		})
	},
	{
		weight: 1,
		arbitrary: fc.record({
			t: fc.constant('tick' as const),
			ms: fc.constantFrom(1_000, 60_000, 30 * 60_000, 2 * HOUR, DAY, 8 * DAY)
		})
	},
	{ weight: 1, arbitrary: fc.constant({ t: 'sweep' as const }) }
);

const allRows = (world: World) =>
	world.app.db.select().from(sessionRequests).orderBy(sessionRequests.id).all();

/** The end user on the current link of one of the server's requests. */
function endUserActs(world: World, act: string, pick: number) {
	const rows = allRows(world);
	if (rows.length === 0) return;
	const row = rows[pick % rows.length];
	const token = createLinkToken(world.app.secret, row.id, row.linkVersion);
	const address = `10.0.${pick % 250}.${(pick >> 8) % 250}`;
	try {
		const page = { sessionKey: sessionKeys.get(token) };
		if (act === 'open') openLink(world.app, token, address);
		else if (act === 'decline') declineRequest(world.app, token, address, page);
		else if (act === 'end') endUserEnds(world.app, token, address, page);
		else allowOrDeny(world, token, act as 'allow' | 'deny', address);
	} catch (error) {
		if (!(error instanceof DomainError)) throw error;
	}
}

// The same map sync.push uses: the property runs exactly the services a push would.
const SERVICE_OF = MUTATORS;

function expectSound(world: World, after: string) {
	const problems = checkDatabase(world.app.sqlite);
	if (problems.length > 0) throw new Error(`after ${after}: ${problems.join('; ')}`);
}

async function runWorld(world: World, actions: WorldAction[]) {
	const log: string[] = [];
	const fail = (message: string) => {
		throw new Error(`${message}\n  actions so far:\n    ${log.join('\n    ')}`);
	};
	seen.sequences += 1;
	// Something to work on: an integration files a few requests, every device syncs.
	for (const assignment of [
		{ kind: 'unassigned' },
		{ kind: 'queue', queueId: world.queueId },
		{ kind: 'agent', userId: world.users.alice.id }
	] as const) {
		requests.createRequest(world.app, world.users.carol, {
			recipientName: 'Filed',
			recipientEmail: 'filed@example.com',
			sendEmail: true,
			assignment
		});
	}
	for (const device of world.devices) await pullDevice(world, device);
	for (const action of actions) {
		seen.actions += 1;
		log.push(JSON.stringify(action));
		switch (action.t) {
			case 'mutate': {
				const device = world.devices[action.device];
				if (action.sync) {
					// Online: the device is up to date when the agent acts, and syncs right after.
					await pushDevice(world, device);
					await pullDevice(world, device);
				}
				const shown = (await device.db.requests.orderBy('id').toArray()).map(stripLocal);
				const target = shown.length ? shown[action.pick % shown.length] : undefined;
				const mutation = makeMutation(world, device.who, action.op, target, action.variant);
				if (!mutation) break;
				const fresh = action.sync && (await isFresh(world, device));
				let prediction: SessionRequest | null = null;
				let refusal: DomainError | null = null;
				try {
					prediction = stripLocal(await queueMutation(device.db, mutation, ctxOf(world, device)));
				} catch (error) {
					if (!(error instanceof DomainError)) throw error;
					refusal = error;
				}
				if (!refusal) seen.queued += 1;
				if (!fresh) break;
				if (refusal) {
					seen.refusedAlike += 1;
					// Refused on the device: the server, asked with the same change, refuses alike.
					const answer = push(world.app, device.user, {
						clientId: device.probe.clientId,
						protocolVersion: 1,
						mutations: [{ id: device.probe.next++, ...mutation }]
					});
					const result = answer.results[0] as MutationResult;
					if (result.ok || result.error?.code !== ERROR_CODE_OF[refusal.reason]) {
						fail(
							`${device.who}'s device refused ${mutation.name} (${refusal.message}) but the ` +
								`server answered ${JSON.stringify(result)}`
						);
					}
				} else {
					const mutationId = ((await device.db.getMeta<number>('nextMutationId')) ?? 1) - 1;
					await pushDevice(world, device);
					const rejected = await device.db.attention.get(mutationId);
					if (rejected) {
						fail(
							`${device.who}'s device applied ${mutation.name} optimistically, the server ` +
								`refused: ${JSON.stringify(rejected.error)}`
						);
					}
					const row = findRow(world.app, prediction!.id);
					if (!row) fail(`${mutation.name} accepted but ${prediction!.id} is not on the server`);
					const stored = toSessionRequest(world.app, row!, world.now);
					const want = predicted(prediction!);
					const got = predicted(stored);
					if (JSON.stringify(want) !== JSON.stringify(got)) {
						expect(got, `${device.who} ${mutation.name}: server vs optimistic`).toEqual(want);
					}
					await pullDevice(world, device);
					seen.agreed += 1;
				}
				break;
			}
			case 'sync': {
				const device = world.devices[action.device];
				await pushDevice(world, device);
				await pullDevice(world, device);
				break;
			}
			case 'direct': {
				const rows = allRows(world).map((r) => toSessionRequest(world.app, r, world.now));
				const target = rows.length ? rows[action.pick % rows.length] : undefined;
				const mutation = makeMutation(world, 'carol', action.op, target, action.variant);
				if (!mutation) break;
				try {
					SERVICE_OF[mutation.name](world.app, world.users.carol, mutation.args as never);
				} catch (error) {
					if (!(error instanceof DomainError)) throw error;
				}
				break;
			}
			case 'endUser':
				endUserActs(world, action.act, action.pick);
				break;
			case 'tick':
				world.now += action.ms;
				break;
			case 'sweep':
				expireDueRequests(world.app);
				break;
		}
		expectSound(world, JSON.stringify(action));
	}

	// The sweeper writes down what the clock already decided (as it does every 15 s), so that
	// requests that expired by the clock alone reach the devices too; then everyone syncs until
	// nothing is pending (a push may change what others see).
	expireDueRequests(world.app);
	for (let round = 0; round < 3; round++) {
		for (const device of world.devices) await pushDevice(world, device);
		for (const device of world.devices) await pullDevice(world, device);
	}
	for (const device of world.devices) {
		expect(await device.db.outbox.count(), `${device.who}: outbox`).toBe(0);
		// The device shows exactly its user's view of the server.
		const view = pull(world.app, device.user, { clientId: crypto.randomUUID(), limit: 5000 });
		const server = [...view.changes].sort((a, b) => (a.id < b.id ? -1 : 1));
		const local = (await device.db.requests.orderBy('id').toArray()).map(stripLocal);
		// Presence included: a heartbeat either writes nothing or moves the version.
		expect(local, `${device.who}: device vs server`).toEqual(server);
		// Each change it queued was applied, or is shown as refused with the server's reason.
		const refused = prepareSql(
			world.app.sqlite,
			(param) =>
				`SELECT mutation_id AS id, error FROM sync_mutations WHERE client_id = ${param()} AND ok = 0 ORDER BY mutation_id`
		).all(device.clientId) as { id: number; error: string }[];
		const attention = await device.db.attention.orderBy('mutationId').toArray();
		seen.attention += attention.length;
		expect(
			attention.map((a) => ({ id: a.mutationId, error: a.error })),
			`${device.who}: needs attention`
		).toEqual(refused.map((r) => ({ id: r.id, error: JSON.parse(r.error) })));
		const next = (await device.db.getMeta<number>('nextMutationId')) ?? 1;
		const processed = prepareSql(
			world.app.sqlite,
			(param) => `SELECT last_mutation_id AS last FROM sync_clients WHERE client_id = ${param()}`
		).get(device.clientId) as { last: number } | undefined;
		expect(processed?.last ?? 0, `${device.who}: processed`).toBe(next - 1);
	}
}

describe('properties', () => {
	beforeAll(async () => {
		template = await makeTemplate();
	}, 30_000);
	afterAll(() => {
		rmSync(template, { recursive: true, force: true });
		console.log(
			`properties: ${seen.sequences} sequences, ${seen.actions} actions; ${seen.queued} changes ` +
				`queued on devices, ${seen.agreed} optimistic results matched the server field by ` +
				`field, ${seen.refusedAlike} refusals matched, ${seen.attention} shown as refused`
		);
	});

	it(
		'devices and server agree: optimistic results are what the server stores, and after sync every device shows the server exactly',
		async () => {
			await fc.assert(
				fc.asyncProperty(
					fc.array(worldAction, { minLength: 5, maxLength: 40, size: 'medium' }),
					async (actions) => {
						const world = await openWorld();
						try {
							await runWorld(world, actions);
						} finally {
							await closeWorld(world);
						}
					}
				),
				params(SEQUENCES)
			);
		},
		SOAK ? 1_800_000 : RUNS_TIMEOUT
	);

	// ——— 2. the services alone, every actor, valid and invalid arguments ———

	type ServiceAction =
		| { t: 'agent'; who: Who; op: MutationName; pick: number; variant: number }
		| { t: 'endUser'; act: 'open' | 'allow' | 'deny' | 'decline' | 'end'; pick: number }
		| { t: 'tick'; ms: number }
		| { t: 'sweep' };

	const LIFECYCLE_ACTION: Partial<Record<MutationName, Action>> = {
		updateRequest: 'update',
		assignRequest: 'assign',
		takeRequest: 'take',
		requestConnect: 'requestConnect',
		startSession: 'start',
		endSession: 'end',
		closeRequest: 'close',
		reopenRequest: 'reopen',
		extendExpiry: 'extend',
		regenerateLink: 'regenerateLink'
	};
	const END_USER_ACTION: Record<string, Action> = {
		open: 'openLink',
		allow: 'allow',
		deny: 'deny',
		decline: 'decline',
		end: 'end'
	};

	const serviceAction: fc.Arbitrary<ServiceAction> = fc.oneof(
		{
			weight: 6,
			arbitrary: fc.record({
				t: fc.constant('agent' as const),
				who: fc.constantFrom<Who>('alice', 'bob', 'admin', 'carol', 'viewer'),
				op: fc.constantFrom(...OPS),
				pick: fc.nat(),
				variant: fc.nat(1000)
			})
		},
		{
			weight: 4,
			arbitrary: fc.record({
				t: fc.constant('endUser' as const),
				act: fc.constantFrom('open', 'allow', 'deny', 'decline', 'end'),
				pick: fc.nat()
			})
		},
		{
			weight: 1,
			arbitrary: fc.record({
				t: fc.constant('tick' as const),
				ms: fc.constantFrom(60_000, 2 * HOUR, DAY, 8 * DAY)
			})
		},
		{ weight: 1, arbitrary: fc.constant({ t: 'sweep' as const }) }
	);

	it(
		'the server only ever takes the lifecycle’s transitions, and a refused action writes nothing',
		async () => {
			await fc.assert(
				fc.asyncProperty(
					fc.array(serviceAction, { minLength: 5, maxLength: 60, size: 'medium' }),
					async (actions) => {
						const world = await openWorld();
						try {
							for (const action of actions) {
								if (action.t === 'tick') world.now += action.ms;
								if (action.t === 'sweep') expireDueRequests(world.app);
								if (action.t === 'agent' || action.t === 'endUser') {
									const rows = allRows(world);
									const row = rows.length ? rows[action.pick % rows.length] : undefined;
									const before = tableCounts(world.app.sqlite);
									const lifecycle =
										action.t === 'endUser'
											? END_USER_ACTION[action.act]
											: LIFECYCLE_ACTION[action.op];
									let error: unknown = null;
									if (action.t === 'endUser') {
										if (!row) continue;
										try {
											endUserActsStrict(world, action.act, row);
										} catch (e) {
											error = e;
										}
									} else {
										const target = row ? toSessionRequest(world.app, row, world.now) : undefined;
										const mutation = makeMutation(
											world,
											action.who,
											action.op,
											target,
											action.variant
										);
										if (!mutation) continue;
										try {
											SERVICE_OF[mutation.name](
												world.app,
												world.users[action.who],
												mutation.args as never
											);
										} catch (e) {
											error = e;
										}
									}
									if (error !== null && !(error instanceof DomainError)) throw error;
									const after = row ? findRow(world.app, row.id) : undefined;
									if (error) {
										// Refused: nothing written, not even an event or an email.
										expect(tableCounts(world.app.sqlite)).toEqual(before);
										if (row) expect(after?.version).toBe(row.version);
									} else if (row && lifecycle && after && after.version !== row.version) {
										// Accepted: exactly the lifecycle's transition from what it saw.
										const seen = {
											status: effectiveStatus(row.status, row.expiresAt, world.now),
											closedReason: row.closedReason,
											connectRequested: row.connectRequested
										};
										expect(canTransition(seen, lifecycle)).toBeNull();
										const next = transition(seen, lifecycle);
										expect({
											status: after.status,
											closedReason: after.closedReason,
											connectRequested: after.connectRequested
										}).toEqual(next);
									}
									if (row && lifecycle) {
										const seen = {
											status: effectiveStatus(row.status, row.expiresAt, world.now),
											closedReason: row.closedReason,
											connectRequested: row.connectRequested
										};
										// A transition the table forbids is never made.
										if (canTransition(seen, lifecycle) !== null) {
											expect(after?.version, `${lifecycle} from ${seen.status}`).toBe(row.version);
										}
									}
								}
								expectSound(world, JSON.stringify(action));
							}
						} finally {
							await closeWorld(world);
						}
					}
				),
				params(SERVICE_RUNS)
			);
		},
		SOAK ? 1_800_000 : RUNS_TIMEOUT
	);
});

/** The end user's actions, on the row's current link (errors propagate). */
function endUserActsStrict(world: World, act: string, row: { id: string; linkVersion: number }) {
	const token = createLinkToken(world.app.secret, row.id, row.linkVersion);
	const address = `10.1.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
	const page = { sessionKey: sessionKeys.get(token) };
	if (act === 'open') return openLink(world.app, token, address);
	if (act === 'decline') return declineRequest(world.app, token, address, page);
	if (act === 'end') return endUserEnds(world.app, token, address, page);
	return allowOrDeny(world, token, act as 'allow' | 'deny', address);
}

/** The end user's page keeps the session key an allow returns (services/session-keys.ts). */
const sessionKeys = new Map<string, string>();

function allowOrDeny(world: World, token: string, decision: 'allow' | 'deny', address: string) {
	const answer = respondToConnect(world.app, token, decision, address, {
		sessionKey: sessionKeys.get(token)
	});
	if (answer.sessionKey) sessionKeys.set(token, answer.sessionKey);
	return answer;
}

// ——— 3. every procedure, random JSON ———

type Caller = 'anonymous' | 'viewer' | 'agent' | 'admin';

/** A body that is not JSON at all. */
const BROKEN = Symbol('not JSON');

interface Procedure {
	path: string;
	type: 'query' | 'mutation' | 'subscription';
	/** Whether the procedure's schema accepts `input` (no schema: anything). */
	accepts(input: unknown): boolean;
}

const PROCEDURES: Procedure[] = Object.entries(
	(appRouter as unknown as { _def: { procedures: Record<string, { _def: any }> } })._def.procedures
).map(([path, procedure]) => {
	const inputs = (procedure._def.inputs ?? []) as {
		'~standard': { validate(value: unknown): { issues?: unknown } | Promise<unknown> };
	}[];
	return {
		path,
		type: procedure._def.type,
		accepts(input: unknown) {
			return inputs.every((schema) => {
				const result = schema['~standard'].validate(input);
				return !(result instanceof Promise) && !(result as { issues?: unknown }).issues;
			});
		}
	};
});

const FIELD_NAMES = [
	'id',
	'token',
	'clientId',
	'mutations',
	'name',
	'args',
	'recipientName',
	'recipientEmail',
	'sendEmail',
	'emailLanguage',
	'comments',
	'scheduledAt',
	'expiresAt',
	'assignment',
	'kind',
	'userId',
	'queueId',
	'email',
	'password',
	'role',
	'permission',
	'memberIds',
	'active',
	'status',
	'scheduled',
	'search',
	'cursor',
	'limit',
	'decision',
	'message',
	'type',
	'peer',
	'sdp',
	'lastEventId',
	'protocolVersion',
	'organizationName',
	'defaultExpiry',
	'defaultLanguage',
	'reminderLead',
	'__proto__',
	'constructor',
	'prototype',
	'0'
];

const nastyString = fc.oneof(
	fc.string(),
	fc.string({ unit: 'binary' }),
	fc.constantFrom(
		'',
		' ',
		'\u0000',
		'\u202e\u2066',
		'😀'.repeat(50),
		'NaN',
		'-1',
		'1e309',
		'0x10',
		'null',
		'undefined',
		'true',
		'2031-02-30T25:61:00Z',
		'2031-06-01T08:00:00.000Z',
		'0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
		'00000000-0000-0000-0000-000000000000',
		"' OR '1'='1",
		'<script>alert(1)</script>',
		'../../etc/passwd',
		'%00%ff',
		'me',
		'agent',
		'queue',
		'unassigned',
		'admin',
		'edit',
		'allow',
		'createRequest',
		'x'.repeat(54)
	),
	fc.string({ minLength: 300, maxLength: 3000 })
);

const scalar = fc.oneof(
	nastyString,
	fc.integer(),
	fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 53, -(2 ** 53), 1.5, 1e308),
	fc.double(),
	fc.boolean(),
	fc.constant(null)
);

const junk: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
	value: fc.oneof(
		{ depthSize: 'small', withCrossShrink: true },
		scalar,
		fc.array(tie('value'), { maxLength: 4 }),
		fc.dictionary(fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string()), tie('value'), {
			maxKeys: 6
		})
	)
})).value;

/** Deep nesting, objects of known fields with junk values, and plain random JSON. */
const fuzzInput: fc.Arbitrary<unknown> = fc.oneof(
	{ weight: 4, arbitrary: junk },
	{ weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
	{
		weight: 3,
		arbitrary: fc.dictionary(fc.constantFrom(...FIELD_NAMES.slice(0, 39)), junk, {
			minKeys: 1,
			maxKeys: 5
		})
	},
	{
		weight: 1,
		arbitrary: fc
			.tuple(fc.integer({ min: 50, max: 50_000 }), fc.boolean())
			.map(([depth, arrays]) => deepJson(depth, arrays))
	},
	{ weight: 1, arbitrary: fc.constant(undefined) }
);

type Transport = 'plain' | 'batch' | 'raw';

/**
 * An input given as JSON text: nesting thousands deep, which JSON.stringify (and fast-check's
 * reporting) would overflow on. The server parses it like any other.
 */
class RawJson {
	constructor(
		readonly text: string,
		readonly label: string
	) {}
	toJSON() {
		return this.label;
	}
	/** The value, if this process can build it. */
	value(): unknown {
		try {
			return JSON.parse(this.text);
		} catch {
			return undefined;
		}
	}
}

const deepJson = (depth: number, arrays: boolean) =>
	new RawJson(
		arrays
			? `${'['.repeat(depth)}1${']'.repeat(depth)}`
			: `${'{"id":'.repeat(depth)}1${'}'.repeat(depth)}`,
		`<${depth} nested ${arrays ? 'arrays' : 'objects'}>`
	);

const toText = (input: unknown) =>
	input === undefined ? undefined : input instanceof RawJson ? input.text : JSON.stringify(input);
/** Inputs of queries travel in the URL, which the HTTP server caps at 16 KB with its headers. */
const urlLength = (input: unknown) => encodeURIComponent(toText(input) ?? '').length;
const toValue = (input: unknown) => (input instanceof RawJson ? input.value() : input);

describe('every tRPC procedure fed random JSON', () => {
	let server: TestServer;
	const clients: Record<Caller, ApiClient> = {} as Record<Caller, ApiClient>;
	let tried = 0;

	beforeAll(async () => {
		server = await startTestServer();
		const users = {
			viewer: await makeUser(server.app, 'agent', 'view'),
			agent: await makeUser(server.app, 'agent', 'edit'),
			admin: await makeUser(server.app, 'admin', 'edit')
		};
		clients.anonymous = new ApiClient(server.url);
		for (const caller of ['viewer', 'agent', 'admin'] as const) {
			clients[caller] = new ApiClient(server.url);
			await clients[caller].login(users[caller].email, users[caller].password);
		}
		// Something to aim at: a request, a queue, a token.
		const created = await clients.admin.mutate('requests.create', {
			recipientName: 'Target',
			recipientEmail: 'target@example.com',
			sendEmail: true
		});
		await clients.admin.mutate('queues.create', { name: 'Fuzz', memberIds: [users.agent.id] });
		await clients.admin.mutate('tokens.create', { name: 'fuzz' });
		expect(created.link).toBeTruthy();
	});
	afterAll(async () => {
		console.log(`fuzz: ${tried} calls, all answered with a typed 4xx or an accepted input`);
		await server.close();
	});

	/**
	 * Everything a call could change: row counts and the values that change in place (read as
	 * rows, in a fixed order, so the same SQL serves SQLite and PostgreSQL).
	 */
	function fingerprint() {
		const db = server.app.sqlite;
		const all = (sql: string) => JSON.stringify(db.prepare(sql).all());
		return JSON.stringify({
			counts: tableCounts(db),
			version: all(`SELECT value FROM counters WHERE name = 'version'`),
			requests: all('SELECT id, version, status, updated_at FROM session_requests ORDER BY id'),
			users: all('SELECT id, updated_at, active, password_hash FROM users ORDER BY id'),
			settings: all('SELECT key, value FROM settings ORDER BY key'),
			tokens: all('SELECT id, revoked_at, last_used_at FROM api_tokens ORDER BY id'),
			sync: all('SELECT client_id, last_mutation_id FROM sync_clients ORDER BY client_id'),
			mail: all('SELECT id, status, attempts, next_attempt_at FROM mail_outbox ORDER BY id'),
			queues: all('SELECT id, updated_at, name FROM queues ORDER BY id')
		});
	}

	const KNOWN_CODES = new Set([
		'BAD_REQUEST',
		'PARSE_ERROR',
		'UNAUTHORIZED',
		'FORBIDDEN',
		'NOT_FOUND',
		'METHOD_NOT_SUPPORTED',
		'CONFLICT',
		'PAYLOAD_TOO_LARGE',
		'UNPROCESSABLE_CONTENT',
		'TOO_MANY_REQUESTS',
		'UNSUPPORTED_MEDIA_TYPE'
	]);

	/** One call; returns a description of what was wrong with the answer, or null. */
	async function call(
		procedure: Procedure,
		caller: Caller,
		input: unknown,
		transport: Transport
	): Promise<{ problem: string | null; succeeded: boolean }> {
		tried += 1;
		const client = clients[caller];
		const headers: Record<string, string> = { 'content-type': 'application/json' };
		if (client.cookie) headers.cookie = client.cookie;
		const base = `${server.url}/api/trpc/${procedure.path}`;
		const json = toText(input);
		let response: Response;
		let sent: unknown = input;
		const abort = new AbortController();
		const timer = setTimeout(() => abort.abort(), 2_000);
		try {
			if (transport === 'raw') {
				// A broken body, whatever the procedure's kind.
				const body = pickRaw(json);
				sent = parsedOrBroken(body);
				response = await fetch(base, { method: 'POST', headers, body, signal: abort.signal });
			} else if (procedure.type === 'mutation') {
				const url = transport === 'batch' ? `${base}?batch=1` : base;
				const body = transport === 'batch' ? `{"0":${json ?? 'null'}}` : json;
				response = await fetch(url, { method: 'POST', headers, body, signal: abort.signal });
			} else {
				const encoded =
					transport === 'batch'
						? `?batch=1&input=${encodeURIComponent(`{"0":${json ?? 'null'}}`)}`
						: json === undefined
							? ''
							: `?input=${encodeURIComponent(json)}`;
				response = await fetch(`${base}${encoded}`, { headers, signal: abort.signal });
			}
			const text = await readSome(response, procedure.type === 'subscription', abort);
			return judge(procedure, sent, transport, response, text);
		} finally {
			clearTimeout(timer);
			abort.abort();
		}
	}

	/** What a raw body parses to, or BROKEN when it is not JSON. */
	function parsedOrBroken(body: string): unknown {
		try {
			return JSON.parse(body);
		} catch {
			return BROKEN;
		}
	}

	function pickRaw(json: string | undefined) {
		const bodies = [
			'{',
			'[',
			'{"0":',
			'nul',
			'\u0000',
			'"unterminated',
			json ? json.slice(0, Math.max(1, json.length - 1)) : '}',
			`${json ?? '{}'}garbage`,
			'{"a":1,"a":2}'
		];
		return bodies[tried % bodies.length];
	}

	async function readSome(response: Response, stream: boolean, abort: AbortController) {
		if (!response.body) return '';
		if (!stream || !response.headers.get('content-type')?.includes('text/event-stream')) {
			return response.text();
		}
		// A live stream: read what comes in the first moments, then hang up.
		const reader = response.body.getReader();
		const decoder = new TextDecoder();
		let text = '';
		const deadline = Date.now() + 60;
		try {
			while (Date.now() < deadline && !text.includes('serialized-error')) {
				const next = await Promise.race([
					reader.read(),
					new Promise<null>((r) => setTimeout(() => r(null), deadline - Date.now()))
				]);
				if (!next || next.done) break;
				text += decoder.decode(next.value, { stream: true });
			}
		} finally {
			abort.abort();
			await reader.cancel().catch(() => undefined);
		}
		return text;
	}

	function judge(
		procedure: Procedure,
		input: unknown,
		transport: Transport,
		response: Response,
		text: string
	): { problem: string | null; succeeded: boolean } {
		const what = `${procedure.path} (${transport}, HTTP ${response.status})`;
		const value = toValue(input);
		const accepted =
			value !== BROKEN && procedure.accepts(transport === 'batch' ? (value ?? null) : value);
		if (response.headers.get('content-type')?.includes('text/event-stream')) {
			// Subscriptions answer 200 and report a refusal as the stream's first event.
			const error = /event: serialized-error\ndata: (.*)\n/.exec(text)?.[1];
			if (!error) {
				return accepted
					? { problem: null, succeeded: true }
					: { problem: `${what}: a stream opened for input its schema refuses`, succeeded: true };
			}
			const data = JSON.parse(error).data as { code: string; httpStatus: number };
			const typed = KNOWN_CODES.has(data.code) && data.httpStatus >= 400 && data.httpStatus < 500;
			return { problem: typed ? null : `${what}: stream error ${error}`, succeeded: false };
		}
		let body: unknown;
		try {
			body = JSON.parse(text);
		} catch {
			return { problem: `${what}: not JSON: ${text.slice(0, 200)}`, succeeded: false };
		}
		if (response.status >= 200 && response.status < 300) {
			return accepted
				? { problem: null, succeeded: true }
				: { problem: `${what}: succeeded with input its schema refuses`, succeeded: true };
		}
		const errors = (Array.isArray(body) ? body : [body]).map(
			(b) => (b as { error?: { data?: { code?: string; httpStatus?: number } } }).error
		);
		for (const error of errors) {
			const code = error?.data?.code;
			if (!code || !KNOWN_CODES.has(code) || !(response.status >= 400 && response.status < 500)) {
				return { problem: `${what}: ${text.slice(0, 300)}`, succeeded: false };
			}
		}
		return { problem: null, succeeded: false };
	}

	/** Logout ends the caller's session: it is only fuzzed anonymously. */
	const callersOf = (procedure: Procedure): Caller[] =>
		procedure.path === 'auth.logout' ? ['anonymous'] : ['anonymous', 'viewer', 'agent', 'admin'];

	async function check(procedure: Procedure, caller: Caller, input: unknown, transport: Transport) {
		const before = fingerprint();
		const { problem, succeeded } = await call(procedure, caller, input, transport);
		if (problem) throw new Error(`${problem}\n  as ${caller}, input ${describeInput(input)}`);
		if (!succeeded) {
			const after = fingerprint();
			if (after !== before) {
				throw new Error(
					`${procedure.path} as ${caller} refused ${describeInput(input)} but wrote:\n${before}\n${after}`
				);
			}
		}
	}

	const describeInput = (input: unknown) => {
		const text = input instanceof RawJson ? input.label : (JSON.stringify(input) ?? 'undefined');
		return text.length > 300 ? `${text.slice(0, 300)}… (${text.length} characters)` : text;
	};

	it('the nasty inputs, at every procedure', async () => {
		const inputs: unknown[] = [
			undefined,
			null,
			0,
			'',
			[],
			{},
			{ id: 'x'.repeat(100_000) },
			{ token: '\u0000'.repeat(60) },
			{ __proto__: { admin: true }, constructor: { prototype: { polluted: true } } },
			deepJson(20_000, true),
			deepJson(20_000, false),
			[{ id: 1 }, { id: 2 }]
		];
		for (const procedure of PROCEDURES) {
			// Signed out, and with every right (the deepest validation); the random calls below
			// cover the other callers.
			const callers = callersOf(procedure).filter((c) => c === 'anonymous' || c === 'admin');
			for (const caller of callers) {
				for (const input of inputs) {
					// Huge inputs travel in bodies; a URL is capped by the HTTP server.
					if (procedure.type !== 'mutation' && urlLength(input) > 8_000) continue;
					await check(procedure, caller, input, 'plain');
				}
			}
		}
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
	}, 120_000);

	it(
		'random JSON, random procedure, random caller and transport',
		async () => {
			await fc.assert(
				fc.asyncProperty(
					fc.constantFrom(...PROCEDURES),
					fc.constantFrom<Caller>('anonymous', 'viewer', 'agent', 'admin'),
					fuzzInput,
					fc.constantFrom<Transport>('plain', 'plain', 'plain', 'batch', 'raw'),
					async (procedure, caller, input, transport) => {
						if (!callersOf(procedure).includes(caller)) caller = 'anonymous';
						if (procedure.type !== 'mutation' && urlLength(input) > 8_000) {
							transport = 'raw';
						}
						await check(procedure, caller, input, transport);
					}
				),
				params(FUZZ_CALLS)
			);
		},
		SOAK ? 3_600_000 : 120_000
	);

	it('a body over 1 MB is refused as PAYLOAD_TOO_LARGE without being read to the end', async () => {
		const before = fingerprint();
		for (const path of ['requests.create', 'sync.push', 'auth.login']) {
			const response = await fetch(`${server.url}/api/trpc/${path}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', cookie: clients.admin.cookie! },
				body: JSON.stringify({ recipientName: 'x'.repeat(1_100_000) })
			});
			expect(response.status).toBe(413);
			expect((await response.json()).error.data.code).toBe('PAYLOAD_TOO_LARGE');
		}
		expect(fingerprint()).toBe(before);
	});
});
