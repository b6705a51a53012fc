/**
 * Crash safety (issue 10, part 1): a load generator creates and transitions requests against the
 * built server (`node bin/beckon.js serve`), through `sync.push` with client mutation ids and
 * through the direct `requests.*` procedures, while the server is SIGKILLed at random moments
 * and started again on the same data folder.
 *
 * After every kill the file the dead process left must pass `PRAGMA integrity_check` and the
 * invariants of support/invariants.ts (nothing half-applied). At the end, every mutation is
 * pushed again with its id: the answers to those acknowledged before are unchanged, and each
 * mutation's effect is in the database exactly once (a direct call whose answer was lost may or
 * may not have been applied, but at most once); every request with email has exactly the emails
 * its events call for, in the outbox, none lost or doubled.
 *
 * CI: 3 kills. Soak (`npm run test:soak`): 25, with more load in between.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, ApiError } from '../support/client';
import {
	BUILT_ADMIN,
	BUILT_ADMIN_ENV,
	startBuiltServer,
	freePort,
	type BuiltServer
} from './support/built-server';
import { checkDatabase, checkFile, EVENT_OF_MUTATION, type EventRow } from './support/invariants';
import { SOAK, size } from './support/soak';

const KILLS = size('BECKON_CRASH_KILLS', 3, 25);
/** How long the load runs between a start and the next kill, at random within these bounds. */
const UP_MS = SOAK ? [500, 3_000] : [400, 1_400];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];
const between = ([lo, hi]: readonly number[]) => lo + Math.floor(Math.random() * (hi - lo));

type Outcome = { ok: true } | { ok: false; code: string };

interface SyncMutation {
	id: number;
	name: string;
	args: Record<string, unknown> & { id: string };
}

/** One device: a client id, its outbox and the answers the server gave. */
interface SyncClient {
	who: Agent;
	clientId: string;
	next: number;
	all: SyncMutation[];
	outbox: SyncMutation[];
	acknowledged: Map<number, Outcome>;
}

/** A direct `requests.*` call and what became of it (`null`: the answer never came). */
interface DirectCall {
	who: Agent;
	procedure: string;
	name: string;
	input: Record<string, unknown> & { id: string };
	outcome: Outcome | null;
}

interface Agent {
	id: string;
	email: string;
	password: string;
	api: ApiClient;
}

const PROCEDURE_OF: Record<string, string> = {
	createRequest: 'requests.create',
	updateRequest: 'requests.update',
	assignRequest: 'requests.assign',
	takeRequest: 'requests.take',
	requestConnect: 'requests.requestConnect',
	closeRequest: 'requests.close',
	reopenRequest: 'requests.reopen',
	extendExpiry: 'requests.extend',
	regenerateLink: 'requests.regenerateLink'
};

describe('the server killed at random moments under load', () => {
	let dataDir: string;
	let port: number;
	let server: BuiltServer | null = null;
	let agents: Agent[];
	let queueId: string;
	const clients: SyncClient[] = [];
	const direct: DirectCall[] = [];
	/** Every request id the generator has used, and the live link of each (when known). */
	const requestIds: string[] = [];
	const links = new Map<string, string>();
	let created = 0;
	const stats = { pushes: 0, lostPushes: 0, directCalls: 0, lostDirect: 0, linkCalls: 0 };

	beforeAll(async () => {
		dataDir = mkdtempSync(join(tmpdir(), 'beckon-crash-'));
		port = await freePort();
	});
	afterAll(async () => {
		await server?.kill();
		rmSync(dataDir, { recursive: true, force: true });
	});

	const start = () =>
		startBuiltServer({
			dataDir,
			port,
			env: BUILT_ADMIN_ENV
		});

	async function setUp(url: string) {
		const admin = new ApiClient(url);
		await admin.login(BUILT_ADMIN.email, BUILT_ADMIN.password);
		agents = [];
		for (const name of ['Alice', 'Bob']) {
			const email = `${name.toLowerCase()}@crash.example.com`;
			const password = `${name} password`;
			const { user } = await admin.mutate('users.create', {
				email,
				name,
				password,
				role: 'agent',
				permission: 'edit'
			});
			const api = new ApiClient(url);
			await api.login(email, password);
			agents.push({ id: user.id, email, password, api });
		}
		const { queue } = await admin.mutate('queues.create', {
			name: 'Tier 1',
			memberIds: agents.map((a) => a.id)
		});
		queueId = queue.id;
		// Alice has two devices, Bob one.
		for (const who of [agents[0], agents[0], agents[1]]) {
			clients.push({
				who,
				clientId: crypto.randomUUID(),
				next: 1,
				all: [],
				outbox: [],
				acknowledged: new Map()
			});
		}
	}

	function randomAssignment(who: Agent) {
		const other = agents.find((a) => a !== who) as Agent;
		return pick([
			{ kind: 'me' },
			{ kind: 'me' },
			{ kind: 'unassigned' },
			{ kind: 'queue', queueId },
			{ kind: 'agent', userId: other.id }
		]);
	}

	/** A random change: a new request, or a transition of one created earlier (any state). */
	function randomChange(who: Agent): {
		name: string;
		args: Record<string, unknown> & { id: string };
	} {
		if (requestIds.length === 0 || Math.random() < 0.3) {
			const id = uuidv7();
			requestIds.push(id);
			created += 1;
			const email = Math.random() < 0.6;
			return {
				name: 'createRequest',
				args: {
					id,
					recipientName: `Crash ${created}`,
					...(email ? { recipientEmail: `user${created}@example.com`, sendEmail: true } : {}),
					comments: `load ${created}`,
					assignment: randomAssignment(who)
				}
			};
		}
		const id = pick(requestIds.slice(-30));
		const later = new Date(Date.now() + (2 + Math.floor(Math.random() * 20)) * 86_400_000);
		const name = pick([
			'closeRequest',
			'closeRequest',
			'reopenRequest',
			'extendExpiry',
			'updateRequest',
			'assignRequest',
			'takeRequest',
			'regenerateLink',
			'requestConnect'
		]);
		const extra: Record<string, unknown> =
			{
				extendExpiry: { expiresAt: later.toISOString() },
				updateRequest: { comments: `edited ${Math.random().toString(36).slice(2, 8)}` },
				assignRequest: { assignment: randomAssignment(who) }
			}[name] ?? {};
		return { name, args: { id, ...extra } };
	}

	let live = false;
	let done = false;

	/** Waits while the server is down; false once the load is over. */
	async function whenLive() {
		while (!live && !done) await sleep(5);
		return !done;
	}

	function outcomeOf(error: unknown): Outcome | null {
		if (error instanceof ApiError) return { ok: false, code: error.code };
		return null; // the connection broke: no answer
	}

	/** A device: queues changes and pushes its outbox from the first unacknowledged one. */
	async function syncWorker(client: SyncClient) {
		while (await whenLive()) {
			while (client.outbox.length < 8) {
				const change = randomChange(client.who);
				const mutation = { id: client.next++, ...change };
				client.all.push(mutation);
				client.outbox.push(mutation);
			}
			const batch = client.outbox.slice(0, 1 + Math.floor(Math.random() * 6));
			stats.pushes += 1;
			try {
				const answer = await client.who.api.mutate('sync.push', {
					clientId: client.clientId,
					protocolVersion: 1,
					mutations: batch.map(({ id, name, args }) => ({ id, name, args }))
				});
				for (const result of answer.results as {
					id: number;
					ok: boolean;
					error?: { code: string };
				}[]) {
					const outcome: Outcome = result.ok
						? { ok: true }
						: { ok: false, code: result.error!.code };
					const before = client.acknowledged.get(result.id);
					// A repeated push is answered as the first time.
					if (before) expect(outcome).toEqual(before);
					client.acknowledged.set(result.id, outcome);
				}
				client.outbox = client.outbox.filter((m) => m.id > answer.lastMutationId);
			} catch (error) {
				if (error instanceof ApiError) throw error;
				stats.lostPushes += 1;
			}
		}
	}

	/** An integration calling `requests.*` directly, with client-made ids for new requests. */
	async function directWorker(who: Agent) {
		while (await whenLive()) {
			const { name, args } = randomChange(who);
			const call: DirectCall = {
				who,
				procedure: PROCEDURE_OF[name],
				name,
				input: args,
				outcome: null
			};
			direct.push(call);
			stats.directCalls += 1;
			try {
				const result = await who.api.mutate(call.procedure, args);
				call.outcome = { ok: true };
				if (result.link) links.set(result.id, result.link);
			} catch (error) {
				call.outcome = outcomeOf(error);
				if (!call.outcome) stats.lostDirect += 1;
			}
		}
	}

	/** The end user: opens links (open → waiting) and now and then declines. */
	async function endUserWorker(url: string) {
		const endUser = new ApiClient(url);
		while (await whenLive()) {
			await sleep(40);
			const known = [...links.entries()];
			if (known.length === 0) continue;
			const [, link] = pick(known);
			const token = link.split('/s/')[1];
			stats.linkCalls += 1;
			try {
				await endUser.mutate(Math.random() < 0.85 ? 'link.open' : 'link.decline', { token });
			} catch {
				// dead links, conflicts and lost answers alike: the events tell what happened
			}
		}
	}

	function checkLeftBehind(label: string) {
		const db = new Database(join(dataDir, 'beckon.db'));
		try {
			expect(checkFile(db), label).toBe('ok');
			expect(checkDatabase(db), label).toEqual([]);
		} finally {
			db.close();
		}
	}

	it(
		`loses nothing and doubles nothing across ${KILLS} SIGKILLs`,
		async () => {
			server = await start();
			await setUp(server.url);
			const workers = [
				...clients.map((c) => syncWorker(c)),
				...agents.map((a) => directWorker(a)),
				endUserWorker(server.url)
			];
			const failed = Promise.all(workers).then(
				() => null,
				(error) => error
			);

			for (let kill = 1; kill <= KILLS; kill++) {
				if (!server) server = await start();
				live = true;
				await sleep(between(UP_MS));
				await server.kill();
				live = false;
				server = null;
				checkLeftBehind(`after kill ${kill}`);
			}

			done = true;
			const workerError = await failed;
			if (workerError) throw workerError;
			server = await start();

			// Every mutation again, with its id: the answers already given are given again, the
			// others are processed now, once.
			const finalOutcome = new Map<SyncClient, Map<number, Outcome>>();
			for (const client of clients) {
				const outcomes = new Map<number, Outcome>();
				let lastMutationId = 0;
				for (let i = 0; i < client.all.length; i += 200) {
					const batch = client.all.slice(i, i + 200);
					const answer = await client.who.api.mutate('sync.push', {
						clientId: client.clientId,
						protocolVersion: 1,
						mutations: batch.map(({ id, name, args }) => ({ id, name, args }))
					});
					for (const r of answer.results as {
						id: number;
						ok: boolean;
						error?: { code: string };
					}[]) {
						outcomes.set(r.id, r.ok ? { ok: true } : { ok: false, code: r.error!.code });
					}
					lastMutationId = answer.lastMutationId;
				}
				expect(lastMutationId).toBe(client.all.length);
				expect(outcomes.size).toBe(client.all.length);
				for (const [id, before] of client.acknowledged) expect(outcomes.get(id)).toEqual(before);
				for (const outcome of outcomes.values()) {
					expect(outcome).not.toEqual({ ok: false, code: 'INTERNAL_SERVER_ERROR' });
				}
				finalOutcome.set(client, outcomes);
			}
			// A create whose answer was lost is sent again with its id: it exists now, once.
			for (const call of direct.filter((c) => c.outcome === null && c.name === 'createRequest')) {
				try {
					await call.who.api.mutate(call.procedure, call.input);
					call.outcome = { ok: true };
				} catch (error) {
					expect(error).toBeInstanceOf(ApiError);
					const code = (error as ApiError).code;
					expect(code).toBe('CONFLICT'); // applied before the kill
					call.outcome = { ok: true };
				}
			}
			expect(await server.stop()).toBe(0);
			server = null;
			expect(server).toBeNull();

			const db = new Database(join(dataDir, 'beckon.db'));
			try {
				expect(checkFile(db)).toBe('ok');
				expect(checkDatabase(db)).toEqual([]);
				const rows = db.prepare('SELECT id, send_email FROM session_requests').all() as {
					id: string;
					send_email: number;
				}[];
				const events = db.prepare('SELECT * FROM request_events ORDER BY id').all() as EventRow[];

				// Each mutation's effect, exactly once: per (request, event type, actor), the events
				// in the database number the mutations that succeeded, plus at most the direct calls
				// whose answer was lost.
				const expected = new Map<string, { min: number; max: number }>();
				const key = (requestId: string, type: string, actor: string) =>
					`${requestId} ${type} ${actor}`;
				const expect1 = (k: string, certain: boolean) => {
					const range = expected.get(k) ?? { min: 0, max: 0 };
					if (certain) range.min += 1;
					range.max += 1;
					expected.set(k, range);
				};
				for (const client of clients) {
					for (const m of client.all) {
						if (finalOutcome.get(client)!.get(m.id)?.ok) {
							expect1(key(m.args.id, EVENT_OF_MUTATION[m.name], client.who.id), true);
						}
					}
				}
				for (const call of direct) {
					if (call.outcome && !call.outcome.ok) continue;
					expect1(
						key(call.input.id, EVENT_OF_MUTATION[call.name], call.who.id),
						call.outcome !== null
					);
				}
				const agentEvents = new Set(Object.values(EVENT_OF_MUTATION));
				const actual = new Map<string, number>();
				for (const e of events) {
					if (e.actor === 'end_user' || e.actor === 'system' || !agentEvents.has(e.type)) continue;
					const k = key(e.request_id, e.type, e.actor);
					actual.set(k, (actual.get(k) ?? 0) + 1);
				}
				const wrong: string[] = [];
				for (const k of new Set([...expected.keys(), ...actual.keys()])) {
					const n = actual.get(k) ?? 0;
					const range = expected.get(k) ?? { min: 0, max: 0 };
					if (n < range.min || n > range.max)
						wrong.push(`${k}: ${n} events, expected ${range.min}…${range.max}`);
				}
				expect(wrong).toEqual([]);
				// Every request that exists was created by the load, and every create that
				// succeeded exists.
				const ids = new Set(rows.map((r) => r.id));
				const createdOk = [...expected.entries()].filter(
					([k, r]) => k.includes(' created ') && r.min > 0
				);
				for (const [k] of createdOk) expect(ids.has(k.split(' ')[0])).toBe(true);
				for (const id of ids) expect(requestIds).toContain(id);

				// The outbox: exactly the emails the events call for.
				const mails = db.prepare('SELECT request_id AS requestId, kind FROM mail_outbox').all() as {
					requestId: string;
					kind: string;
				}[];
				const mailProblems: string[] = [];
				for (const row of rows) {
					const mine = events.filter((e) => e.request_id === row.id);
					const count = (...types: string[]) => mine.filter((e) => types.includes(e.type)).length;
					const toAgent = mine.filter((e) => {
						const data = JSON.parse(e.data);
						if (e.type === 'created') {
							return data.assignment?.kind === 'agent' && data.assignment.userId !== e.actor;
						}
						if (e.type !== 'assigned') return false;
						const changed = JSON.stringify(data.from) !== JSON.stringify(data.to);
						return changed && data.to.kind === 'agent' && data.to.userId !== e.actor;
					}).length;
					const want: Record<string, number> = {
						invitation: row.send_email ? 1 + count('reopened', 'link_regenerated') : 0,
						closed: row.send_email ? count('closed', 'declined', 'session_ended') : 0,
						assigned: toAgent
					};
					const got: Record<string, number> = { invitation: 0, closed: 0, assigned: 0 };
					for (const mail of mails.filter((m) => m.requestId === row.id)) {
						got[mail.kind] = (got[mail.kind] ?? 0) + 1;
					}
					if (JSON.stringify(got) !== JSON.stringify(want)) {
						mailProblems.push(
							`${row.id}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`
						);
					}
				}
				expect(mailProblems).toEqual([]);
				const withMail = rows.filter((r) => r.send_email).length;
				expect(withMail).toBeGreaterThan(0);
				console.log(
					`crash: ${KILLS} kills survived; ${rows.length} requests, ${events.length} events, ` +
						`${mails.length} emails; ${clients.reduce((n, c) => n + c.all.length, 0)} sync ` +
						`mutations in ${stats.pushes} pushes (${stats.lostPushes} answers lost), ` +
						`${stats.directCalls} direct calls (${stats.lostDirect} answers lost), ` +
						`${stats.linkCalls} link calls`
				);
			} finally {
				db.close();
			}
		},
		(SOAK ? 60_000 : 10_000) + KILLS * 8_000
	);
});
