/**
 * #9 Server memory with 100,000 requests and 1,000 open `sync.poke` streams: the built server's
 * resident memory (RSS, from /proc) once every stream is connected, after changes have been fanned
 * out to all of them (one by one, and 100 in one push) and one agent has pulled its whole view,
 * read once the server has been idle for 5 s; the peak is reported too. Streams are spread over
 * 10 agents.
 */
import type { AuthUser } from '../../src/server/services/users';
import { addSession, addUser, makeDataDir, openBeckon, startBuiltServer } from '../lib/beckon';
import { insertRequests, sampleRow } from '../lib/data';
import { queryWithSize } from '../lib/http';
import type { BenchOptions, BenchResult } from '../lib/result';
import { openPokes, type PokeStream } from '../lib/sse';
import { round } from '../lib/stats';
import { ApiClient } from '../../tests/support/client';

interface PullPage {
	changes: unknown[];
	cursor: string;
	more: boolean;
}

const REQUESTS = 100_000;
const STREAMS = 1000;
const AGENTS = 10;
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 5000);

export async function run({ quick }: BenchOptions): Promise<BenchResult> {
	const dataDir = makeDataDir();
	const app = openBeckon(dataDir);
	const agents: AuthUser[] = [];
	for (let i = 0; i < AGENTS; i++) agents.push(await addUser(app, `agent${i}@bench.test`));
	// Every agent sees a tenth of the requests as their own, and all of the unassigned ones.
	insertRequests(
		app.sqlite,
		REQUESTS,
		(i) =>
			sampleRow(i, {
				createdBy: agents[i % AGENTS].id,
				assigneeId: i % 5 === 0 ? null : agents[i % AGENTS].id
			}),
		{ events: true }
	);
	const cookies = agents.map((agent) => addSession(app, agent.id));
	app.close();
	const server = await startBuiltServer(dataDir);
	const streams: PokeStream[] = [];
	const figures: BenchResult['figures'] = {};
	try {
		figures.idle_rss_mb = round(server.memory().rssMb);
		const opening = performance.now();
		for (let i = 0; i < STREAMS; i++) streams.push(openPokes(server.url, cookies[i % AGENTS]));
		await Promise.all(streams.map((s) => s.connected));
		figures.connect_1000_ms = round(performance.now() - opening);
		figures.connected_rss_mb = round(server.memory().rssMb);
		// Changes every stream hears of (unassigned), then one agent's full pull of its view.
		const author = new ApiClient(server.url);
		author.cookie = cookies[0];
		const changes = quick ? 10 : 50;
		for (let i = 0; i < changes; i++) {
			const poked = streams.map((s) => s.nextPoke());
			await author.mutate('requests.create', {
				recipientName: `Fan-out ${i}`,
				assignment: { kind: 'unassigned' }
			});
			await Promise.all(poked);
		}
		// A burst: one push of 100 creates is one transaction, so every stream hears of it once.
		const burst = Array.from({ length: 100 }, (_, i) => ({
			id: i + 1,
			name: 'createRequest',
			args: { recipientName: `Burst ${i}`, assignment: { kind: 'unassigned' } }
		}));
		const poked = streams.map((s) => s.nextPoke());
		await author.mutate('sync.push', {
			clientId: crypto.randomUUID(),
			protocolVersion: 1,
			mutations: burst
		});
		await Promise.all(poked);
		figures.fanned_out_rss_mb = round(server.memory().rssMb);
		let cursor: string | null = null;
		let rows = 0;
		const clientId = crypto.randomUUID();
		for (;;) {
			const { data }: { data: PullPage } = await queryWithSize<PullPage>(author, 'sync.pull', {
				clientId,
				protocolVersion: 1,
				cursor,
				limit: 1000
			});
			rows += data.changes.length;
			cursor = data.cursor;
			if (!data.more) break;
		}
		// What the server holds between bursts: V8 returns the garbage of a burst once idle.
		await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
		const { rssMb, peakMb } = server.memory();
		figures.rss_mb = round(rssMb);
		figures.peak_rss_mb = round(peakMb);
		figures.pulled_rows = rows;
		figures.fanned_out_changes = changes + burst.length;
	} finally {
		for (const stream of streams) stream.close();
		await server.stop();
	}
	const rss = figures.rss_mb as number;
	return {
		id: 9,
		name: 'server memory',
		figures,
		inputs: { requests: REQUESTS, streams: STREAMS, agents: AGENTS, settleMs: SETTLE_MS },
		target: 'RSS < 300 MB',
		met: rss < 300,
		summary: `RSS ${rss} MB (peak ${figures.peak_rss_mb} MB, idle ${figures.idle_rss_mb} MB) with ${STREAMS} streams, ${REQUESTS / 1000}k requests`
	};
}
