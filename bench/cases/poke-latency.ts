/**
 * #6 A change by one agent seen by another: agent A creates a request (unassigned, so B may see
 * it); B, holding a `sync.poke` stream, pulls on the poke. Measured from A sending the change to
 * B's pull answer holding it, 200 times in a row, against the built server on 127.0.0.1.
 */
import { rmSync } from 'node:fs';
import { addSession, addUser, makeDataDir, openBeckon, startBuiltServer } from '../lib/beckon';
import { benchId } from '../lib/data';
import { queryWithSize } from '../lib/http';
import type { BenchOptions, BenchResult } from '../lib/result';
import { openPokes } from '../lib/sse';
import { median, percentile, round } from '../lib/stats';
import { ApiClient } from '../../tests/support/client';

interface Page {
	changes: { id: string }[];
	cursor: string;
	more: boolean;
}

export async function run({ quick }: BenchOptions): Promise<BenchResult> {
	const changes = 200;
	const dataDir = makeDataDir();
	const app = openBeckon(dataDir);
	const a = await addUser(app, 'a@bench.test');
	const b = await addUser(app, 'b@bench.test');
	const cookies = { a: addSession(app, a.id), b: addSession(app, b.id) };
	app.close();
	const server = await startBuiltServer(dataDir);
	const latencies: number[] = [];
	try {
		const agentA = new ApiClient(server.url);
		agentA.cookie = cookies.a;
		const agentB = new ApiClient(server.url);
		agentB.cookie = cookies.b;
		const clientId = crypto.randomUUID();
		const pull = async (cursor: string | null) =>
			(await queryWithSize<Page>(agentB, 'sync.pull', { clientId, protocolVersion: 1, cursor }))
				.data;
		let cursor = (await pull(null)).cursor;
		const stream = openPokes(server.url, cookies.b);
		await stream.connected;
		// A few unmeasured changes first: JIT and connection warm-up.
		const warmUp = quick ? 10 : 20;
		for (let i = 0; i < warmUp + changes; i++) {
			const id = benchId(0x60, i);
			const start = performance.now();
			const poked = stream.nextPoke();
			await agentA.mutate('requests.create', {
				id,
				recipientName: `Seen ${i}`,
				assignment: { kind: 'unassigned' }
			});
			await poked;
			let seen = false;
			for (let attempt = 0; !seen; attempt++) {
				if (attempt === 20) throw new Error(`change ${id} not seen after 20 pulls`);
				const page = await pull(cursor);
				cursor = page.cursor;
				seen = page.changes.some((change) => change.id === id);
				if (!seen && !page.more) await stream.nextPoke();
			}
			if (i >= warmUp) latencies.push(performance.now() - start);
		}
		stream.close();
	} finally {
		await server.stop();
		rmSync(dataDir, { recursive: true, force: true });
	}
	const p50 = round(median(latencies));
	const p95 = round(percentile(latencies, 95));
	return {
		id: 6,
		name: 'change seen by another agent',
		figures: { p50_ms: p50, p95_ms: p95, max_ms: round(Math.max(...latencies)) },
		inputs: { changes, path: 'requests.create → poke (SSE) → sync.pull', host: '127.0.0.1' },
		target: 'p95 < 50 ms on localhost',
		met: p95 < 50,
		summary: `p50 ${p50} ms, p95 ${p95} ms over ${changes} changes`
	};
}
