/**
 * Backups under write load (issue 10, part 6): `beckon backup FILE` runs as its own process, as an
 * operator runs it, while devices push changes and an integration creates and edits requests
 * against the built server as fast as it answers.
 *
 * Each backup must be a consistent database (`PRAGMA integrity_check`, the invariants of
 * support/invariants.ts: every request's events lead to its stored state) holding every change
 * acknowledged before the backup started: each created request, each device's mutations up to
 * the last one acknowledged, each request at least at the version an answer reported. The load
 * keeps being served meanwhile, without a server error. Finally a new server is started on a
 * copy of the last backup alone, in an empty folder: agents sign in, `sync.pull` returns every
 * request of the file, and the session links sent before the backup still open.
 *
 * CI: 2 backups. Soak (`npm run test:soak`): 10.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, ApiError } from '../support/client';
import { startBuiltServer, startWithAdmin, type BuiltServer } from './support/built-server';
import { checkDatabase, checkFile } from './support/invariants';
import { size } from './support/soak';

const BACKUPS = size('BECKON_BACKUPS', 2, 10);
/** Requests in the database before the load starts: a file of some megabytes to copy. */
const PRELOAD = size('BECKON_BACKUP_PRELOAD', 10_000, 50_000);
const BACKUP_TIMEOUT_MS = 60_000;
const AGENT = { email: 'alice@backup.example.com', password: 'alice password' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];

/** What the server had acknowledged at one moment: what a backup started then must hold. */
interface Acknowledged {
	created: Set<string>;
	/** Per request, the highest version an answer reported. */
	versions: Map<string, number>;
	/** Per device, the last mutation id the server said it processed. */
	lastMutationIds: Map<string, number>;
	/** Session links of requests nobody changes after creating them: still open later. */
	links: Map<string, string>;
}

function snapshot(ack: Acknowledged): Acknowledged {
	return {
		created: new Set(ack.created),
		versions: new Map(ack.versions),
		lastMutationIds: new Map(ack.lastMutationIds),
		links: new Map(ack.links)
	};
}

/** `node bin/beckon.js backup FILE` on the server's data folder, without blocking this process. */
function runBackup(
	dataDir: string,
	file: string
): Promise<{ code: number | null; output: string }> {
	return new Promise((done) => {
		const child = spawn(process.execPath, [resolve('bin/beckon.js'), 'backup', file], {
			env: {
				PATH: process.env.PATH ?? '',
				HOME: process.env.HOME ?? '',
				BECKON_NO_AUTOBUILD: '1',
				BECKON_DATA_DIR: dataDir
			},
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let output = '';
		child.stdout.on('data', (chunk) => (output += chunk));
		child.stderr.on('data', (chunk) => (output += chunk));
		// A backup that cannot finish while the server writes is a failure, not a hang.
		const timer = setTimeout(() => {
			output += `\nthe backup did not finish within ${BACKUP_TIMEOUT_MS / 1000} s`;
			child.kill('SIGKILL');
		}, BACKUP_TIMEOUT_MS);
		child.once('exit', (code) => {
			clearTimeout(timer);
			done({ code, output });
		});
	});
}

/** Every problem with a backup file: empty when it is consistent and holds `before`. */
function checkBackup(file: string, before: Acknowledged): string[] {
	const db = new Database(file, { readonly: true });
	try {
		const integrity = checkFile(db);
		if (integrity !== 'ok') return [`integrity: ${integrity}`];
		const problems = checkDatabase(db);
		const versions = new Map(
			(
				db.prepare('SELECT id, version FROM session_requests').all() as {
					id: string;
					version: number;
				}[]
			).map((r) => [r.id, r.version])
		);
		for (const id of before.created) {
			if (!versions.has(id)) problems.push(`acknowledged request ${id} is missing`);
		}
		for (const [id, version] of before.versions) {
			const stored = versions.get(id);
			if (stored === undefined || stored < version) {
				problems.push(`request ${id} at version ${stored}, acknowledged at ${version}`);
			}
		}
		const clients = new Map(
			(
				db.prepare('SELECT client_id, last_mutation_id FROM sync_clients').all() as {
					client_id: string;
					last_mutation_id: number;
				}[]
			).map((r) => [r.client_id, r.last_mutation_id])
		);
		for (const [clientId, last] of before.lastMutationIds) {
			const stored = clients.get(clientId) ?? 0;
			if (stored < last)
				problems.push(`device ${clientId} at mutation ${stored}, acknowledged ${last}`);
		}
		return problems;
	} finally {
		db.close();
	}
}

describe('backups taken under write load', () => {
	let dataDir: string;
	let restoredDir: string;
	let server: BuiltServer | null = null;
	let restored: BuiltServer | null = null;

	beforeAll(() => {
		dataDir = mkdtempSync(join(tmpdir(), 'beckon-backup-'));
		restoredDir = mkdtempSync(join(tmpdir(), 'beckon-restored-'));
	});
	afterAll(async () => {
		await server?.kill();
		await restored?.kill();
		rmSync(dataDir, { recursive: true, force: true });
		rmSync(restoredDir, { recursive: true, force: true });
	});

	it(`${BACKUPS} backups while writing: consistent, complete, and a server starts from one`, async () => {
		let admin: ApiClient;
		({ server, admin } = await startWithAdmin({ dataDir }));
		await admin.mutate('users.create', {
			email: AGENT.email,
			name: 'Alice',
			password: AGENT.password,
			role: 'agent',
			permission: 'edit'
		});
		const agent = new ApiClient(server.url);
		await agent.login(AGENT.email, AGENT.password);

		const ack: Acknowledged = {
			created: new Set(),
			versions: new Map(),
			lastMutationIds: new Map(),
			links: new Map()
		};
		/** Requests the devices and the editor change (never those whose links we keep). */
		const changeable: string[] = [];
		const failures: string[] = [];
		const served = { pushes: 0, mutations: 0, creates: 0, edits: 0 };
		let done = false;

		const fail = (where: string, error: unknown) => {
			if (error instanceof ApiError && error.code !== 'INTERNAL_SERVER_ERROR') return false;
			failures.push(`${where}: ${error instanceof Error ? error.message : String(error)}`);
			return true;
		};

		async function device() {
			const clientId = crypto.randomUUID();
			let next = 1;
			while (!done) {
				const mutations = Array.from({ length: 1 + Math.floor(Math.random() * 20) }, () => {
					if (changeable.length < 20 || Math.random() < 0.5) {
						const id = uuidv7();
						return {
							id: next++,
							name: 'createRequest',
							args: {
								id,
								recipientName: `Device ${next}`,
								recipientEmail: `device${next}@example.com`,
								sendEmail: Math.random() < 0.5,
								comments: 'pushed under backup',
								assignment: { kind: 'me' }
							}
						};
					}
					const id = pick(changeable.slice(-50));
					return Math.random() < 0.5
						? { id: next++, name: 'updateRequest', args: { id, comments: `edit ${next}` } }
						: { id: next++, name: pick(['closeRequest', 'reopenRequest']), args: { id } };
				});
				try {
					const answer = await agent.mutate('sync.push', {
						clientId,
						protocolVersion: 1,
						mutations
					});
					served.pushes += 1;
					served.mutations += mutations.length;
					for (const result of answer.results as { id: number; ok: boolean }[]) {
						const mutation = mutations.find((m) => m.id === result.id)!;
						if (result.ok && mutation.name === 'createRequest') {
							ack.created.add(mutation.args.id);
							changeable.push(mutation.args.id);
						}
					}
					ack.lastMutationIds.set(clientId, answer.lastMutationId);
				} catch (error) {
					if (fail('sync.push', error)) return;
				}
			}
		}

		async function integration() {
			let n = 0;
			while (!done) {
				n += 1;
				try {
					if (n % 3 === 0 && changeable.length > 0) {
						const id = pick(changeable.slice(-50));
						const request = await agent.mutate('requests.update', {
							id,
							comments: `integration edit ${n}`
						});
						ack.versions.set(id, Math.max(ack.versions.get(id) ?? 0, request.version));
						served.edits += 1;
					} else {
						const request = await agent.mutate('requests.create', {
							id: uuidv7(),
							recipientName: `Integration ${n}`,
							comments: 'created under backup',
							assignment: { kind: 'me' }
						});
						ack.created.add(request.id);
						ack.versions.set(request.id, request.version);
						ack.links.set(request.id, request.link);
						served.creates += 1;
					}
				} catch (error) {
					if (fail('requests.*', error)) return;
				}
			}
		}

		// A database big enough that copying it takes many steps while the load writes.
		const preloadClient = crypto.randomUUID();
		for (let next = 1; next <= PRELOAD;) {
			const mutations = [];
			for (let i = 0; i < 500 && next <= PRELOAD; i++, next++) {
				mutations.push({
					id: next,
					name: 'createRequest',
					args: {
						id: uuidv7(),
						recipientName: `Earlier ${next}`,
						comments: 'x'.repeat(200),
						assignment: { kind: 'me' }
					}
				});
			}
			const answer = await agent.mutate('sync.push', {
				clientId: preloadClient,
				protocolVersion: 1,
				mutations
			});
			for (const m of mutations) ack.created.add(m.args.id);
			ack.lastMutationIds.set(preloadClient, answer.lastMutationId);
		}

		const load = Promise.all([device(), device(), integration(), integration()]);
		const backupsDir = join(dataDir, 'backups');
		mkdirSync(backupsDir);
		const figures: { ms: number; during: number; requests: number }[] = [];
		let lastBackup = '';
		let lastBefore: Acknowledged | null = null;

		for (let i = 1; i <= BACKUPS; i++) {
			await sleep(300 + Math.random() * 700);
			const before = snapshot(ack);
			const servedBefore = served.mutations + served.creates + served.edits;
			const file = join(backupsDir, `beckon-${i}.db`);
			const started = performance.now();
			const result = await runBackup(dataDir, file);
			const ms = performance.now() - started;
			expect(result.code, result.output).toBe(0);
			expect(result.output).toContain(`to ${file}`);
			expect(checkBackup(file, before), `backup ${i}`).toEqual([]);
			figures.push({
				ms: Math.round(ms),
				during: served.mutations + served.creates + served.edits - servedBefore,
				requests: before.created.size
			});
			lastBackup = file;
			lastBefore = before;
		}
		done = true;
		await load;
		expect(failures).toEqual([]);
		// The load really ran alongside each backup.
		for (const figure of figures) expect(figure.during).toBeGreaterThan(0);
		console.log(
			`backup under load: ${BACKUPS} backups (${figures.map((f) => `${f.ms} ms with ${f.requests} requests, ${f.during} changes served meanwhile`).join('; ')}); served ${served.pushes} pushes (${served.mutations} mutations), ${served.creates} creates, ${served.edits} edits`
		);
		expect(await server.stop()).toBe(0);
		server = null;

		// A new server in an empty folder with nothing but the backup.
		copyFileSync(lastBackup, join(restoredDir, 'beckon.db'));
		restored = await startBuiltServer({ dataDir: restoredDir });
		const restoredAgent = new ApiClient(restored.url);
		await restoredAgent.login(AGENT.email, AGENT.password);
		const copy = new Database(lastBackup, { readonly: true });
		const inFile = copy.prepare('SELECT id, version FROM session_requests').all() as {
			id: string;
			version: number;
		}[];
		copy.close();

		const pulled = new Map<string, { version: number }>();
		let cursor: unknown = undefined;
		const clientId = crypto.randomUUID();
		for (;;) {
			const page = await restoredAgent.query('sync.pull', { clientId, cursor });
			for (const change of page.changes) pulled.set(change.id, change);
			cursor = page.cursor;
			if (!page.more) break;
		}
		expect(pulled.size).toBe(inFile.length);
		for (const row of inFile) expect(pulled.get(row.id)?.version).toBe(row.version);
		for (const id of lastBefore!.created) expect(pulled.has(id)).toBe(true);

		// Links sent before the backup open on the restored server: the secret came along.
		const links = [...lastBefore!.links.values()].slice(-30);
		expect(links.length).toBeGreaterThan(0);
		const endUser = new ApiClient(restored.url);
		for (const link of links) {
			const page = await endUser.query('link.get', { token: link.split('/s/')[1] });
			expect(page.status).toBe('open');
		}
		expect(await restored.stop()).toBe(0);
		restored = null;
	}, 240_000);
});
