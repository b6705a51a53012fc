/**
 * One user cannot keep the server busy (issue 17, item 3), on the built server: a view-only user
 * floods batched `requests.list` and `sync.pull` calls over many connections while another user
 * creates requests at a steady rate; the creates' p99 stays under 100 ms. Batches of more than
 * the agent app's 10 calls are refused.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/client';
import { startWithAdmin, type BuiltServer } from './support/built-server';

const SEED = 2_000;
const CONNECTIONS = 24;
const WARM_UP_MS = 1_000;
const MEASURE_MS = 6_000;
const CREATES_PER_SECOND = 20;

/** Floods FLOOD_URL over FLOOD_CONNECTIONS connections until stdin closes; prints the statuses. */
const FLOODER = `
const statuses = {};
let flooding = true;
process.stdin.on('end', () => (flooding = false)).resume();
const loop = async () => {
	while (flooding) {
		const response = await fetch(process.env.FLOOD_URL, {
			headers: { cookie: process.env.FLOOD_COOKIE }
		});
		await response.arrayBuffer();
		statuses[response.status] = (statuses[response.status] ?? 0) + 1;
	}
};
await Promise.all(Array.from({ length: Number(process.env.FLOOD_CONNECTIONS) }, loop));
process.stdout.write(JSON.stringify(statuses));
`;

const percentile = (sorted: number[], p: number) =>
	sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** Creates sent on a clock (open loop: a slow server shows as latency), timed after a warm-up. */
async function timedCreates(agent: ApiClient, warmUpMs: number, measureMs: number) {
	const latencies: number[] = [];
	const failures: string[] = [];
	const started = performance.now();
	const pending: Promise<void>[] = [];
	for (let i = 0; ; i++) {
		const at = started + (i * 1000) / CREATES_PER_SECOND;
		if (at - started > warmUpMs + measureMs) break;
		await new Promise((r) => setTimeout(r, Math.max(0, at - performance.now())));
		const sent = performance.now();
		pending.push(
			agent
				.mutate('requests.create', { recipientName: `Timed ${i}` })
				.then(() => {
					if (sent - started >= warmUpMs) latencies.push(performance.now() - sent);
				})
				.catch((error: Error) => void failures.push(error.message))
		);
	}
	await Promise.all(pending);
	latencies.sort((a, b) => a - b);
	return { latencies, failures };
}

describe('a flood of reads by one user', () => {
	let dataDir: string;
	let server: BuiltServer;
	let admin: ApiClient;
	const users = {
		viewer: { email: 'viewer@flood.example.com', password: 'viewer password', permission: 'view' },
		agent: { email: 'agent@flood.example.com', password: 'agent password', permission: 'edit' }
	};

	beforeAll(async () => {
		dataDir = mkdtempSync(join(tmpdir(), 'beckon-flood-'));
		({ server, admin } = await startWithAdmin({ dataDir }));
		for (const [name, user] of Object.entries(users)) {
			await admin.mutate('users.create', { ...user, name, role: 'agent' });
		}
		// Requests everyone sees (unassigned), so every list and pull has full pages to read.
		for (let i = 0; i < SEED; i += 50) {
			await Promise.all(
				Array.from({ length: 50 }, (_, k) =>
					admin.mutate('requests.create', {
						recipientName: `Seed ${i + k}`,
						comments: 'x'.repeat(200),
						assignment: { kind: 'unassigned' }
					})
				)
			);
		}
	}, 120_000);
	afterAll(async () => {
		await server?.stop();
		rmSync(dataDir, { recursive: true, force: true });
	});

	it('refuses batches of more than 10 calls', async () => {
		const viewer = new ApiClient(server.url);
		await viewer.login(users.viewer.email, users.viewer.password);
		const batch = (n: number) => {
			const paths = Array(n).fill('auth.me').join(',');
			const input = encodeURIComponent(JSON.stringify({}));
			return fetch(`${server.url}/api/trpc/${paths}?batch=1&input=${input}`, {
				headers: { cookie: viewer.cookie! }
			});
		};
		const ten = await batch(10);
		expect(ten.status).toBe(200);
		expect(await ten.json()).toHaveLength(10);
		const eleven = await batch(11);
		expect(eleven.status).toBe(400);
		expect(JSON.stringify(await eleven.json())).toMatch(/batch/i);
	});

	it("keeps another user's requests.create p99 under 100 ms", async () => {
		const viewer = new ApiClient(server.url);
		await viewer.login(users.viewer.email, users.viewer.password);
		const agent = new ApiClient(server.url);
		await agent.login(users.agent.email, users.agent.password);

		// The same creates without the flood, for comparison.
		const alone = await timedCreates(agent, 500, 2_000);

		const calls = [
			...Array.from({ length: 5 }, () => ['requests.list', { limit: 200 }] as const),
			...Array.from(
				{ length: 5 },
				() => ['sync.pull', { clientId: randomUUID(), limit: 5_000 }] as const
			)
		];
		const paths = calls.map(([path]) => path).join(',');
		const input = encodeURIComponent(
			JSON.stringify(Object.fromEntries(calls.map(([, args], i) => [i, args])))
		);
		const floodUrl = `${server.url}/api/trpc/${paths}?batch=1&input=${input}`;
		// The flood runs in a process of its own, so its reading of answers does not delay this
		// one's timing of the creates.
		const flooder = spawn(process.execPath, ['--input-type=module', '-e', FLOODER], {
			env: {
				FLOOD_URL: floodUrl,
				FLOOD_COOKIE: viewer.cookie!,
				FLOOD_CONNECTIONS: String(CONNECTIONS)
			},
			stdio: ['pipe', 'pipe', 'inherit']
		});
		let report = '';
		flooder.stdout.on('data', (chunk) => (report += chunk));
		const flooderDone = new Promise((resolve) => flooder.once('exit', resolve));
		await new Promise((r) => setTimeout(r, 300));

		const flooded = await timedCreates(agent, WARM_UP_MS, MEASURE_MS);
		flooder.stdin.end();
		await flooderDone;
		const statuses = new Map(
			Object.entries(JSON.parse(report) as Record<string, number>).map(([k, v]) => [Number(k), v])
		);

		const { latencies, failures } = flooded;
		const p50 = percentile(latencies, 50);
		const p99 = percentile(latencies, 99);
		console.log(
			`flood: creates alone p50 ${percentile(alone.latencies, 50).toFixed(1)} ms, p99 ${percentile(alone.latencies, 99).toFixed(1)} ms; under the flood p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms (${latencies.length} timed); flood answers ${JSON.stringify(Object.fromEntries(statuses))}`
		);
		expect(failures).toEqual([]);
		expect(latencies.length).toBeGreaterThanOrEqual((MEASURE_MS / 1000) * CREATES_PER_SECOND - 2);
		expect(p99).toBeLessThan(100);
		// The flooder is slowed, not shut out: some batches answered, the rest refused.
		expect((statuses.get(200) ?? 0) + (statuses.get(207) ?? 0)).toBeGreaterThan(0);
	}, 60_000);
});
