/**
 * #2 `sync.push` of 1,000 `createRequest` mutations (an offline burst) in the pushes the app
 * makes of them (`nextPush`: up to 500 per push within a size budget), against its limit: raw
 * better-sqlite3 inserts of the same rows and their events in one transaction. Rounds interleave
 * the three so that they share the machine's noise, each going first in turn.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { nextPush, PROTOCOL_VERSION } from '../../src/lib/sync/protocol';
import { push } from '../../src/server/services/sync';
import { addUser, makeDataDir, openBeckon, startBuiltServer } from '../lib/beckon';
import { benchId, insertRequests, sampleRow } from '../lib/data';
import { signedIn } from '../lib/http';
import type { BenchOptions, BenchResult } from '../lib/result';
import { median, round } from '../lib/stats';

const MUTATIONS = 1000;

/** The mutations split into the pushes the app's sync engine sends for an outbox holding them. */
function pushesOf<T extends { args: unknown }>(mutations: T[]): T[][] {
	const pushes: T[][] = [];
	for (let rest = mutations; rest.length > 0;) {
		const next = nextPush(rest);
		pushes.push(next);
		rest = rest.slice(next.length);
	}
	return pushes;
}

/** The mutations of one round: creates of the rows `sampleRow` makes, with ids of `prefix`. */
function creates(prefix: number) {
	return Array.from({ length: MUTATIONS }, (_, i) => {
		const row = sampleRow(i, { createdBy: '' });
		return {
			id: i + 1,
			name: 'createRequest' as const,
			args: {
				id: benchId(prefix, i),
				recipientName: row.recipientName,
				recipientEmail: row.recipientEmail,
				comments: row.comments,
				assignment: { kind: 'me' as const }
			}
		};
	});
}

export async function run({ quick }: BenchOptions): Promise<BenchResult> {
	const rounds = quick ? 3 : 25;
	const localDir = makeDataDir();
	const app = openBeckon(localDir);
	const admin = await addUser(app, 'admin@bench.test', 'admin');
	const serverDir = makeDataDir();
	const seed = openBeckon(serverDir);
	await addUser(seed, 'admin@bench.test', 'admin');
	seed.close();
	const server = await startBuiltServer(serverDir);
	const raw: number[] = [];
	const service: number[] = [];
	const http: number[] = [];
	try {
		const client = await signedIn(server.url, 'admin@bench.test');
		// Round 0 warms up (JIT, page cache) and is not counted.
		for (let r = 0; r <= rounds; r++) {
			const prefix = 0x100 + r * 3;
			let rawMs = 0;
			let serviceMs = 0;
			let httpMs = 0;
			const rawRound = () => {
				const start = performance.now();
				insertRequests(
					app.sqlite,
					MUTATIONS,
					(i) => ({ ...sampleRow(i, { createdBy: admin.id }), id: benchId(prefix, i) }),
					{ events: true }
				);
				rawMs = performance.now() - start;
			};
			const serviceRound = () => {
				const local = creates(prefix + 1);
				const clientId = randomUUID();
				const start = performance.now();
				for (const mutations of pushesOf(local)) {
					const answer = push(app, admin, { clientId, mutations });
					if (answer.results.some((result) => !result.ok)) throw new Error('a mutation failed');
				}
				serviceMs = performance.now() - start;
			};
			const httpRound = async () => {
				const remote = creates(prefix + 2);
				const remoteClient = randomUUID();
				const start = performance.now();
				for (const mutations of pushesOf(remote)) {
					const answer = await client.mutate('sync.push', {
						clientId: remoteClient,
						protocolVersion: PROTOCOL_VERSION,
						mutations
					});
					if (answer.results.some((result: { ok: boolean }) => !result.ok)) {
						throw new Error('a mutation failed over HTTP');
					}
				}
				httpMs = performance.now() - start;
			};
			// The three take turns going first: the one after the service alone (in this process)
			// would otherwise always pay for collecting its garbage, and the one after raw's
			// inserts find the page cache as they left it.
			const steps = [rawRound, serviceRound, httpRound];
			for (let s = 0; s < steps.length; s++) await steps[(r + s) % steps.length]();
			if (r > 0) {
				raw.push(rawMs);
				service.push(serviceMs);
				http.push(httpMs);
			}
		}
	} finally {
		await server.stop();
		app.close();
		rmSync(localDir, { recursive: true, force: true });
	}
	const perSecond = (ms: number) => round((MUTATIONS / ms) * 1000);
	const rawRate = perSecond(median(raw));
	const httpRate = perSecond(median(http));
	const serviceRate = perSecond(median(service));
	// Each round ran the three back to back: the median of per-round ratios cancels most noise.
	const ratioOf = (times: number[]) => round(median(times.map((ms, i) => raw[i] / ms)), 3);
	const ratio = ratioOf(http);
	return {
		id: 2,
		name: 'sync.push, 1,000 creates',
		figures: {
			http_mutations_per_s: httpRate,
			service_mutations_per_s: serviceRate,
			raw_rows_per_s: rawRate,
			ratio_http_to_raw: ratio,
			ratio_service_to_raw: ratioOf(service)
		},
		inputs: {
			mutations: MUTATIONS,
			pushes: pushesOf(creates(0))
				.map((p) => p.length)
				.join('+'),
			rounds,
			baseline: 'raw insert of the rows and events, one transaction'
		},
		// Issue 22 (it was 0.3× for issue 9).
		target: '≥ 0.5 × raw better-sqlite3 inserts of the same rows and events',
		met: ratio >= 0.5,
		summary: `${httpRate}/s over HTTP (service ${serviceRate}/s) vs raw ${rawRate}/s: ${ratio}×`
	};
}
