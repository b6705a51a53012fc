/**
 * #3 `sync.pull` of 10,000 and 100,000 requests, paged as the app pages it (1,000 rows): the
 * server's own time (the service, in process) and the whole answer over HTTP from the built
 * server, with the bytes each request costs on the wire.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_PULL_PAGE, pull } from '../../src/server/services/sync';
import { addUser, makeDataDir, openBeckon, startBuiltServer } from '../lib/beckon';
import { insertRequests, sampleRow } from '../lib/data';
import { queryWithSize, signedIn } from '../lib/http';
import type { BenchOptions, BenchResult } from '../lib/result';
import { median, round } from '../lib/stats';

interface PullPage {
	changes: unknown[];
	cursor: string;
	more: boolean;
}

export async function run({ quick }: BenchOptions): Promise<BenchResult> {
	const sizes = [10_000, 100_000];
	const rounds = quick ? 1 : 3;
	const limit = DEFAULT_PULL_PAGE;
	const figures: BenchResult['figures'] = {};
	for (const size of sizes) {
		const dataDir = makeDataDir();
		const app = openBeckon(dataDir);
		const admin = await addUser(app, 'admin@bench.test', 'admin');
		insertRequests(app.sqlite, size, (i) => sampleRow(i, { createdBy: admin.id }), {
			events: false
		});
		// The server's own time: the service as sync.pull calls it, without HTTP or JSON.
		const serverMs: number[] = [];
		for (let r = 0; r < rounds + 1; r++) {
			const clientId = randomUUID();
			let cursor: string | null = null;
			let rows = 0;
			const start = performance.now();
			for (;;) {
				const page = pull(app, admin, { clientId, cursor, limit });
				rows += page.changes.length;
				cursor = page.cursor;
				if (!page.more) break;
			}
			// The first round warms the JIT and the page cache; it is not counted.
			if (r > 0) serverMs.push(performance.now() - start);
			if (rows !== size) throw new Error(`pulled ${rows} of ${size}`);
		}
		app.close();

		const server = await startBuiltServer(dataDir);
		try {
			const client = await signedIn(server.url, 'admin@bench.test');
			const httpMs: number[] = [];
			let bytes = 0;
			for (let r = 0; r < rounds + 1; r++) {
				const clientId = randomUUID();
				let cursor: string | null = null;
				let rows = 0;
				bytes = 0;
				const start = performance.now();
				for (;;) {
					const { data, bytes: size }: { data: PullPage; bytes: number } =
						await queryWithSize<PullPage>(client, 'sync.pull', {
							clientId,
							protocolVersion: 1,
							cursor,
							limit
						});
					bytes += size;
					rows += data.changes.length;
					cursor = data.cursor;
					if (!data.more) break;
				}
				if (r > 0) httpMs.push(performance.now() - start);
				if (rows !== size) throw new Error(`pulled ${rows} of ${size} over HTTP`);
			}
			const k = `${size / 1000}k`;
			figures[`${k}_server_ms`] = round(median(serverMs));
			figures[`${k}_http_ms`] = round(median(httpMs));
			figures[`${k}_bytes_per_request`] = round(bytes / size);
		} finally {
			await server.stop();
		}
	}
	const total = figures['100k_http_ms'] as number;
	return {
		id: 3,
		name: 'sync.pull, paged',
		figures,
		inputs: { sizes, pageSize: limit, rounds, viewer: 'admin (sees every request)' },
		target: '100,000 requests served in < 5 s in total',
		met: total < 5000,
		summary: `10k: ${figures['10k_http_ms']} ms (server ${figures['10k_server_ms']} ms); 100k: ${total} ms (server ${figures['100k_server_ms']} ms); ${figures['100k_bytes_per_request']} B/request`
	};
}
