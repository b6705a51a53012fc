/**
 * Webhook delivery on two built servers sharing one PostgreSQL database: both run the delivery
 * job, claim rows with `FOR UPDATE SKIP LOCKED`, and every event reaches the receiver once, with
 * a valid signature.
 *
 * Runs when a PostgreSQL is available (BECKON_TEST_DATABASE_URL); skipped otherwise.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncPostgres } from '../../src/server/db/postgres';
import type { ApiClient } from '../support/client';
import { freshSchema, schemaUrl, TEST_DATABASE_URL } from '../support/database';
import {
	startBuiltServer,
	startWithAdmin,
	type BuiltServer
} from '../reliability/support/built-server';

describe.skipIf(!TEST_DATABASE_URL)('webhooks on several instances', () => {
	let url: string;
	let db: SyncPostgres;
	let admin: ApiClient;
	let receiver: Server;
	let receiverUrl: string;
	const received: { headers: IncomingHttpHeaders; body: string }[] = [];
	let inFlight = 0;
	let mostInFlight = 0;
	const servers: BuiltServer[] = [];
	const dirs: string[] = [];

	function dataDir() {
		const dir = mkdtempSync(join(tmpdir(), 'beckon-webhooks-'));
		dirs.push(dir);
		return dir;
	}

	beforeAll(async () => {
		// A receiver that takes a moment to answer, so deliveries overlap.
		receiver = createServer((req, res) => {
			inFlight++;
			mostInFlight = Math.max(mostInFlight, inFlight);
			let body = '';
			req.on('data', (chunk) => (body += chunk));
			req.on('end', () => {
				received.push({ headers: req.headers, body });
				setTimeout(() => {
					inFlight--;
					res.writeHead(204).end();
				}, 40);
			});
		});
		await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
		receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

		url = schemaUrl(freshSchema());
		db = new SyncPostgres({ connectionString: url });
		const env = { DATABASE_URL: url, BECKON_WEBHOOK_ALLOW_PRIVATE: '1' };
		const first = await startWithAdmin({ dataDir: dataDir(), env });
		servers.push(first.server, await startBuiltServer({ dataDir: dataDir(), env }));
		admin = first.admin;
	}, 60_000);

	afterAll(async () => {
		for (const server of servers) await server.stop();
		db?.close();
		receiver?.closeAllConnections();
		await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
		for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
	});

	it('delivers each event once while both instances deliver', async () => {
		try {
			await deliverTogether();
		} catch (error) {
			for (const server of servers) console.error(server.output());
			throw error;
		}
	}, 90_000);

	async function deliverTogether() {
		const { secret } = await admin.mutate('webhooks.create', {
			url: receiverUrl,
			events: ['request.created', 'request.status_changed']
		});
		const count = 40;
		const ids: string[] = [];
		for (let i = 0; i < count; i++) {
			const created = await admin.mutate('requests.create', { recipientName: `Caller ${i}` });
			ids.push(created.id);
			if (i % 2 === 1) await admin.mutate('requests.close', { id: created.id });
		}
		const expected = count + count / 2;
		const deliveredRows = () =>
			Number(
				(
					db
						.prepare(`SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'delivered'`)
						.get() as { n: number }
				).n
			);
		await expect.poll(deliveredRows, { timeout: 30_000 }).toBe(expected);
		// Anything sent twice would have arrived by now too.
		await new Promise((r) => setTimeout(r, 500));

		expect(received).toHaveLength(expected);
		const messageIds = received.map((r) => String(r.headers['webhook-id']));
		expect(new Set(messageIds).size).toBe(expected);
		const bodies = received.map(
			(r) =>
				new Webhook(secret).verify(r.body, {
					'webhook-id': String(r.headers['webhook-id']),
					'webhook-timestamp': String(r.headers['webhook-timestamp']),
					'webhook-signature': String(r.headers['webhook-signature'])
				}) as { type: string; data: { id: string } }
		);
		const created = bodies.filter((b) => b.type === 'request.created').map((b) => b.data.id);
		expect(created.sort()).toEqual([...ids].sort());
		const closed = bodies.filter((b) => b.type === 'request.status_changed').map((b) => b.data.id);
		expect(closed.sort()).toEqual(ids.filter((_, i) => i % 2 === 1).sort());
		const attempts = db.prepare('SELECT attempts FROM webhook_deliveries').all() as {
			attempts: number;
		}[];
		expect(attempts.every((a) => a.attempts === 1)).toBe(true);
		// Deliveries went out at the same time, not one after another.
		expect(mostInFlight).toBeGreaterThan(1);
	}
});
