/**
 * #12 A busy shared queue: 1,000 agents' devices, each on its own `sync.poke` stream, while 50
 * requests a second land in their one queue for 60 s. Each device does what the app's engine
 * does: applies a poke's changes when the poke follows on from its cursor, and pulls otherwise.
 * Measured against the built server on 127.0.0.1: the server's CPU time per change and its share
 * of a core (from /proc), the pulls and bytes (pokes and pulls) per change and device, the time
 * from a change being sent to each device holding it, and from a poke to the pull answering it.
 *
 * The devices are simulated in this one process (their sockets are real: one per stream, up to
 * PULL_SOCKETS for pulls), so on a machine with few cores they compete with the server for CPU:
 * the process's own CPU share is reported beside the server's.
 */
import { readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { eq } from 'drizzle-orm';
import { addSession, addUser, makeDataDir, openBeckon, startBuiltServer } from '../lib/beckon';
import { benchId } from '../lib/data';
import type { BenchOptions, BenchResult } from '../lib/result';
import { openPokes, type PokeStream } from '../lib/sse';
import { percentile, round } from '../lib/stats';
import { users } from '../../src/server/db/schema';
import { createQueue } from '../../src/server/services/queues';
import { ApiClient } from '../../tests/support/client';

/** Concurrent pulls at most, as a proxy in front of many devices would hold. */
const PULL_SOCKETS = 200;
/** How long after the last change every device must have seen all of them. */
const DRAIN_MS = 30_000;
const CLOCK_TICKS_PER_SECOND = 100;

interface Page {
	changes: { id: string }[];
	cursor: string;
	more: boolean;
}

/** CPU time (user + system) of a process so far, in milliseconds, from /proc/<pid>/stat. */
function cpuMs(pid: number): number {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	// Fields after the command name (which may hold spaces) start at its closing parenthesis.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** A poke as the server sends it: with its changes (`from`, `to`, `changes`) or without. */
interface Poke {
	reason: string;
	from?: string;
	to?: string;
	changes?: { id: string }[];
}

/**
 * One agent's device, as the app's engine behaves: a poke that carries its changes is applied
 * when it follows on from the cursor (`from`), with no pull; any other poke (plain, or one that
 * does not follow on) makes it pull. At most one pull in flight; pokes that arrive meanwhile are
 * judged after it.
 */
class Device {
	cursor: string | null = null;
	seen = 0;
	private pulling = false;
	private again = false;
	private pokedAt: number | null = null;
	private readonly waiting: Poke[] = [];
	readonly clientId = crypto.randomUUID();

	constructor(
		private readonly fleet: Fleet,
		readonly cookie: string
	) {}

	poked(text: string) {
		const poke = JSON.parse(text) as Poke;
		if (poke.from === undefined) this.fleet.plainPokes++;
		else this.fleet.dataPokes++;
		this.waiting.push(poke);
		if (!this.pulling) void this.settle();
	}

	/** Applies the waiting pokes that follow on from the cursor; pulls if one does not. */
	private async settle(): Promise<void> {
		let pull = false;
		const now = performance.now();
		for (const poke of this.waiting.splice(0)) {
			// Already there: a pull meanwhile brought the cursor to the poke's end.
			if (!pull && poke.to !== undefined && poke.to === this.cursor) continue;
			if (!pull && poke.from !== undefined && poke.from === this.cursor) {
				this.saw(poke.changes ?? [], now);
				this.cursor = poke.to!;
			} else {
				pull = true;
				this.pokedAt ??= now;
			}
		}
		if (pull) await this.pull();
	}

	private saw(changes: { id: string }[], now: number) {
		for (const change of changes) {
			const sentAt = this.fleet.sentAt.get(change.id);
			if (sentAt === undefined) continue;
			this.seen++;
			this.fleet.changeToSeen.push(now - sentAt);
		}
	}

	async pull(): Promise<void> {
		this.pulling = true;
		const pokedAt = this.pokedAt;
		this.pokedAt = null;
		try {
			const page = await this.fleet.pull(this);
			const now = performance.now();
			if (pokedAt !== null) this.fleet.pokeToPull.push(now - pokedAt);
			this.saw(page.changes, now);
			this.cursor = page.cursor;
			if (page.more) this.again = true;
		} catch (error) {
			this.fleet.errors.push((error as Error).message);
		}
		this.pulling = false;
		if (this.again) {
			this.again = false;
			await this.pull();
		} else if (this.waiting.length > 0) await this.settle();
	}
}

class Fleet {
	readonly sentAt = new Map<string, number>();
	readonly changeToSeen: number[] = [];
	readonly pokeToPull: number[] = [];
	readonly errors: string[] = [];
	readonly writeErrors: string[] = [];
	pulls = 0;
	/** Bytes of pull answers. */
	bytes = 0;
	/** Bytes of poke messages (every stream's). */
	pokeBytes = 0;
	dataPokes = 0;
	plainPokes = 0;
	private readonly agent = new Agent({ keepAlive: true, maxSockets: PULL_SOCKETS });

	constructor(private readonly url: string) {}

	pull(device: Device): Promise<Page> {
		const input = { clientId: device.clientId, protocolVersion: 1, cursor: device.cursor };
		const path = `/api/trpc/sync.pull?input=${encodeURIComponent(JSON.stringify(input))}`;
		return new Promise((resolve, reject) => {
			const req = request(
				`${this.url}${path}`,
				{ agent: this.agent, headers: { cookie: device.cookie } },
				(res) => {
					const chunks: Buffer[] = [];
					res.on('data', (chunk: Buffer) => chunks.push(chunk));
					res.on('end', () => {
						const body = Buffer.concat(chunks);
						this.pulls++;
						this.bytes += body.length;
						const parsed = JSON.parse(body.toString('utf8'));
						if (parsed.error) reject(new Error(`sync.pull: ${parsed.error.message}`));
						else resolve(parsed.result.data as Page);
					});
					res.on('error', reject);
				}
			);
			req.on('error', reject);
			req.end();
		});
	}

	close() {
		this.agent.destroy();
	}
}

export async function run({ quick }: BenchOptions): Promise<BenchResult> {
	const devices = quick ? 100 : 1000;
	const perSecond = 50;
	const seconds = quick ? 10 : 60;
	const changes = perSecond * seconds;

	const dataDir = makeDataDir();
	const app = openBeckon(dataDir);
	// One password hash for all: argon2id a thousand times would be the whole setup.
	const first = await addUser(app, 'agent0@bench.test');
	const { passwordHash } = app.db.select().from(users).where(eq(users.id, first.id)).get()!;
	const agentIds = [first.id];
	const now = Date.now();
	for (let i = 1; i < devices; i++) {
		const id = crypto.randomUUID();
		app.db
			.insert(users)
			.values({
				id,
				email: `agent${i}@bench.test`,
				name: `Agent ${i}`,
				passwordHash,
				role: 'agent',
				permission: 'edit',
				active: true,
				createdAt: now,
				updatedAt: now
			})
			.run();
		agentIds.push(id);
	}
	const queue = createQueue(app, { name: 'Busy', memberIds: agentIds });
	const cookies = agentIds.map((id) => addSession(app, id));
	app.close();

	const server = await startBuiltServer(dataDir);
	const fleet = new Fleet(server.url);
	const streams: PokeStream[] = [];
	let stopping = false;
	const figures: BenchResult['figures'] = {};
	try {
		const fleetDevices = cookies.map((cookie) => new Device(fleet, cookie));
		// Each device starts as the app does: a first pull, then its stream.
		await Promise.all(fleetDevices.map((device) => device.pull()));
		for (const device of fleetDevices) {
			const stream = openPokes(server.url, device.cookie);
			streams.push(stream);
			void (async () => {
				await stream.connected;
				while (!stopping) {
					let poke;
					try {
						poke = await stream.nextPoke(DRAIN_MS + seconds * 1000);
					} catch {
						return;
					}
					fleet.pokeBytes += poke.bytes;
					device.poked(poke.data);
				}
			})();
		}
		await Promise.all(streams.map((s) => s.connected));

		const writer = new ApiClient(server.url);
		writer.cookie = cookies[0];
		// Only what the changes cost: the first syncs are not counted.
		fleet.pulls = 0;
		fleet.bytes = 0;
		const serverCpuBefore = cpuMs(server.pid);
		const ownCpuBefore = process.cpuUsage();
		const started = performance.now();
		const writes: Promise<unknown>[] = [];
		for (let i = 0; i < changes; i++) {
			const due = started + (i * 1000) / perSecond;
			const wait = due - performance.now();
			if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
			const id = benchId(0x12, i);
			fleet.sentAt.set(id, performance.now());
			writes.push(
				writer
					.mutate('requests.create', {
						id,
						recipientName: `Busy ${i}`,
						assignment: { kind: 'queue', queueId: queue.id }
					})
					// A change that never got in is reported (and never seen), not a crash of the run.
					.catch((error: Error) => fleet.writeErrors.push(error.message))
			);
		}
		await Promise.all(writes);
		const writing = performance.now() - started;
		const expected = changes * devices;
		const seenAll = () => fleetDevices.reduce((sum, d) => sum + d.seen, 0) >= expected;
		const drainBy = performance.now() + DRAIN_MS;
		while (!seenAll() && performance.now() < drainBy) {
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
		const wall = performance.now() - started;
		const serverCpu = cpuMs(server.pid) - serverCpuBefore;
		const ownCpu = process.cpuUsage(ownCpuBefore);
		const seen = fleetDevices.reduce((sum, d) => sum + d.seen, 0);
		if (fleet.errors.length > 0) figures.pull_errors = fleet.errors.length;
		if (fleet.writeErrors.length > 0) {
			figures.write_errors = fleet.writeErrors.length;
			console.error(`busy-queue: first write error: ${fleet.writeErrors[0]}`);
		}
		figures.seen_fraction = round(seen / expected);
		figures.server_cpu_ms_per_change = round(serverCpu / changes);
		figures.server_cores = round(serverCpu / wall);
		figures.bench_process_cores = round((ownCpu.user + ownCpu.system) / 1000 / wall);
		figures.bytes_per_change_device = round((fleet.bytes + fleet.pokeBytes) / expected);
		figures.poke_bytes_per_change_device = round(fleet.pokeBytes / expected);
		figures.pull_bytes_per_change_device = round(fleet.bytes / expected);
		figures.pulls_per_change_device = round(fleet.pulls / expected, 4);
		figures.pulls_per_second = round(fleet.pulls / (wall / 1000));
		figures.pokes_with_changes = fleet.dataPokes;
		figures.pokes_without = fleet.plainPokes;
		figures.change_to_seen_p50_ms = round(percentile(fleet.changeToSeen, 50));
		figures.change_to_seen_p99_ms = round(percentile(fleet.changeToSeen, 99));
		figures.poke_to_pull_p99_ms = round(percentile(fleet.pokeToPull, 99));
		figures.writing_s = round(writing / 1000);
	} finally {
		stopping = true;
		for (const stream of streams) stream.close();
		fleet.close();
		await server.stop();
		rmSync(dataDir, { recursive: true, force: true });
	}
	const p99 = figures.change_to_seen_p99_ms as number;
	const cores = figures.server_cores as number;
	const complete = figures.seen_fraction === 1;
	return {
		id: 12,
		name: 'busy shared queue',
		figures,
		inputs: { devices, changes_per_second: perSecond, seconds, pull_sockets: PULL_SOCKETS },
		target: 'p99 change → seen < 250 ms, server < 1 core',
		met: complete && p99 < 250 && cores < 1,
		summary:
			`${devices} devices, ${changes} changes: p99 ${p99} ms to be seen, server ` +
			`${cores} cores (${figures.server_cpu_ms_per_change} ms CPU/change), ` +
			`${figures.bytes_per_change_device} B/change/device` +
			(complete ? '' : `, only ${figures.seen_fraction} seen`)
	};
}
