/**
 * #1 `requests.create` over HTTP through the built server (SvelteKit, tRPC, session check,
 * services) with 32 connections, against a bare `node:http` handler doing the same SQLite writes.
 * autocannon runs here; each server is its own process. Rounds alternate between the two so that
 * both see the same machine.
 */
import autocannon from 'autocannon';
import { rmSync } from 'node:fs';
import {
	addUser,
	freePort,
	makeDataDir,
	openBeckon,
	startBuiltServer,
	startProcess,
	type RunningServer
} from '../lib/beckon';
import { signedIn } from '../lib/http';
import type { BenchOptions, BenchResult } from '../lib/result';
import { median, round } from '../lib/stats';

const CONNECTIONS = 32;

interface Load {
	requestsPerSecond: number;
	p50: number;
	p99: number;
}

async function load(url: string, headers: Record<string, string>, seconds: number): Promise<Load> {
	const result = await autocannon({
		url,
		connections: CONNECTIONS,
		duration: seconds,
		method: 'POST',
		headers: { 'content-type': 'application/json', ...headers },
		body: JSON.stringify({ recipientName: 'Load Test', comments: 'created by the benchmark' })
	});
	if (result.non2xx > 0 || result.errors > 0) {
		throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
	}
	return {
		requestsPerSecond: result.requests.average,
		p50: result.latency.p50,
		p99: result.latency.p99
	};
}

async function seededDir() {
	const dir = makeDataDir();
	const app = openBeckon(dir);
	await addUser(app, 'admin@bench.test', 'admin');
	app.close();
	return dir;
}

export async function run({ quick }: BenchOptions): Promise<BenchResult> {
	const rounds = quick ? 2 : 3;
	const seconds = quick ? 3 : 10;
	const servers: RunningServer[] = [];
	const trpc: Load[] = [];
	const bare: Load[] = [];
	try {
		const beckon = await startBuiltServer(await seededDir());
		servers.push(beckon);
		const client = await signedIn(beckon.url, 'admin@bench.test');
		const bareDir = await seededDir();
		const port = await freePort();
		const plain = await startProcess([process.argv[1], 'bare-server', bareDir, String(port)], {
			port,
			readyPath: '/',
			cleanup: () => rmSync(bareDir, { recursive: true, force: true })
		});
		servers.push(plain);
		const targets = {
			trpc: () =>
				load(`${beckon.url}/api/trpc/requests.create`, { cookie: client.cookie ?? '' }, seconds),
			bare: () => load(`${plain.url}/create`, {}, seconds)
		};
		// Warm-up (JIT, SQLite page cache), not counted.
		await load(`${plain.url}/create`, {}, 2);
		await load(`${beckon.url}/api/trpc/requests.create`, { cookie: client.cookie ?? '' }, 2);
		for (let r = 0; r < rounds; r++) {
			bare.push(await targets.bare());
			trpc.push(await targets.trpc());
		}
	} finally {
		for (const server of servers) await server.stop();
	}
	const pick = (loads: Load[], key: keyof Load) => round(median(loads.map((l) => l[key])));
	const trpcRate = pick(trpc, 'requestsPerSecond');
	const bareRate = pick(bare, 'requestsPerSecond');
	// Each round ran both back to back: the median of per-round ratios cancels most noise.
	const ratio = round(
		median(trpc.map((load, i) => load.requestsPerSecond / bare[i].requestsPerSecond)),
		2
	);
	const p99 = pick(trpc, 'p99');
	return {
		id: 1,
		name: 'requests.create over HTTP',
		figures: {
			trpc_req_per_s: trpcRate,
			trpc_p50_ms: pick(trpc, 'p50'),
			trpc_p99_ms: p99,
			bare_req_per_s: bareRate,
			bare_p50_ms: pick(bare, 'p50'),
			bare_p99_ms: pick(bare, 'p99'),
			ratio
		},
		inputs: {
			connections: CONNECTIONS,
			secondsPerRound: seconds,
			rounds,
			tool: 'autocannon 9.0.0',
			server: 'node bin/beckon.js serve (adapter-node), cookie session'
		},
		target: '≥ 0.5 × bare node:http doing the same insert; p99 < 50 ms',
		met: ratio >= 0.5 && p99 < 50,
		summary: `${trpcRate} req/s (p50 ${pick(trpc, 'p50')} ms, p99 ${p99} ms) vs bare ${bareRate} req/s: ${ratio}×`
	};
}
