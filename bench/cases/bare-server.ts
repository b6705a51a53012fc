/**
 * The limit of #1: a bare `node:http` handler doing the same SQLite writes as `requests.create`
 * (the version counter, the row, its `created` event) with prepared statements, and nothing else.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { openDatabase } from '../../src/server/db';
import { DAY, insertRequests, sampleRow } from '../lib/data';

export async function serveBare(dataDir: string, port: number) {
	const { sqlite } = openDatabase(join(dataDir, 'beckon.db'));
	const userId = (sqlite.prepare('SELECT id FROM users LIMIT 1').get() as { id: string }).id;
	const server = createServer((req, res) => {
		if (req.method !== 'POST') {
			res.writeHead(200).end('ok');
			return;
		}
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
			const now = Date.now();
			const row = {
				...sampleRow(0, { createdBy: userId, at: now, expiresAt: now + 7 * DAY }),
				id: randomUUID(),
				recipientName: input.recipientName
			};
			insertRequests(sqlite, 1, () => row, { events: true });
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ result: { data: row } }));
		});
	});
	server.listen(port, '127.0.0.1');
	process.once('SIGTERM', () => {
		server.close();
		server.closeAllConnections();
		sqlite.close();
	});
}
