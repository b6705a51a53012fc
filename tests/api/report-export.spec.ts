/**
 * `GET /export/report-agents.csv` and `/export/report-queues.csv` over HTTP: read back with a CSV
 * parser, each table holds `reports.summary`'s per-agent or per-queue rows for the same caller and
 * filters, named, with the same counts; names a spreadsheet would run as formulas are
 * neutralised; cookie and bearer token both work; an agent gets their own row only.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/server/db/schema';
import { ApiClient } from '../support/client';
import { csvRowsOf } from '../support/csv';
import { makeUser, signIn, startTestServer, type TestServer } from '../support/server';

type Json = Record<string, any>;

const COUNTS = ['created', 'opened', 'connected', 'closed', 'completed', 'declined', 'expired'];

describe('CSV export of the report tables', () => {
	let server: TestServer;
	let admin: ApiClient;
	let agent: ApiClient;
	let agentId: string;
	let otherId: string;
	let queueId: string;
	const window = {
		from: new Date(Date.now() - 86_400_000).toISOString(),
		to: new Date(Date.now() + 86_400_000).toISOString()
	};
	const query = (filters: Json) => `?${new URLSearchParams(filters).toString()}`;

	const download = (table: string, filters: Json, headers: Record<string, string> = {}) =>
		fetch(`${server.url}/export/report-${table}.csv${query(filters)}`, { headers });

	async function rowsOf(response: Response): Promise<Json[]> {
		expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
		return csvRowsOf(response);
	}

	/** A summary row as the CSV writes it: every cell text. */
	const asCells = (row: Json, idKey: string, nameKey: string, name: string) => ({
		[idKey]: row[idKey],
		[nameKey]: name,
		...Object.fromEntries(COUNTS.map((c) => [c, String(row[c])]))
	});

	beforeAll(async () => {
		server = await startTestServer();
		const adminUser = await makeUser(server.app, 'admin', 'edit');
		const agentUser = await makeUser(server.app, 'agent', 'edit');
		const otherUser = await makeUser(server.app, 'agent', 'edit');
		agentId = agentUser.id;
		otherId = otherUser.id;
		// Names a spreadsheet would take for formulas.
		server.app.db
			.update(users)
			.set({ name: '=HYPERLINK("http://evil.example","Zoë")' })
			.where(eq(users.id, agentId))
			.run();
		server.app.db.update(users).set({ name: '@Núñez, Jr.' }).where(eq(users.id, otherId)).run();
		admin = await signIn(server, adminUser);
		agent = await signIn(server, agentUser);
		const queue = await admin.mutate('queues.create', { name: '+Desk', memberIds: [agentId] });
		queueId = queue.queue?.id ?? queue.id;
		const assignments = [
			{ kind: 'agent', userId: agentId },
			{ kind: 'agent', userId: otherId },
			{ kind: 'queue', queueId },
			{ kind: 'unassigned' }
		];
		for (let i = 0; i < 12; i++) {
			const made = await admin.mutate('requests.create', {
				recipientName: `Person ${i}`,
				assignment: assignments[i % assignments.length]
			});
			if (i % 3 === 0) await admin.mutate('requests.close', { id: made.id });
		}
	});
	afterAll(() => server?.close());

	it('holds the summary’s per-agent and per-queue rows, named and neutralised', async () => {
		const summary = await admin.query('reports.summary', window);
		expect(summary.perAgent).toHaveLength(2);
		expect(summary.perQueue).toHaveLength(1);
		const agents = await rowsOf(await download('agents', window, { cookie: admin.cookie! }));
		expect(agents).toEqual(
			summary.perAgent.map((row: Json) =>
				asCells(
					row,
					'agentId',
					'agent',
					row.agentId === agentId ? `'=HYPERLINK("http://evil.example","Zoë")` : `'@Núñez, Jr.`
				)
			)
		);
		const queues = await rowsOf(await download('queues', window, { cookie: admin.cookie! }));
		expect(queues).toEqual([asCells(summary.perQueue[0], 'queueId', 'queue', `'+Desk`)]);
		expect(queues[0].created).toBe('3');
		expect(queues[0].closed).toBe('1');

		// Filters apply as in the summary.
		const closedOnly = { ...window, outcome: 'closed_by_agent' };
		const filtered = await admin.query('reports.summary', closedOnly);
		const filteredRows = await rowsOf(
			await download('agents', closedOnly, { cookie: admin.cookie! })
		);
		expect(filteredRows.map((r) => r.created)).toEqual(
			filtered.perAgent.map((r: Json) => String(r.created))
		);
		expect(filteredRows.every((r) => r.created === r.closed)).toBe(true);
	});

	it('takes an API token; gives an agent their own row; refuses anyone else clearly', async () => {
		const { token } = await admin.mutate('tokens.create', { name: 'reports' });
		const byToken = await rowsOf(
			await download('agents', window, { authorization: `Bearer ${token}` })
		);
		expect(byToken.map((r) => r.agentId).sort()).toEqual([agentId, otherId].sort());

		const own = await rowsOf(await download('agents', window, { cookie: agent.cookie! }));
		expect(own.map((r) => r.agentId)).toEqual([agentId]);
		const mine = await agent.query('reports.summary', window);
		expect(own[0].created).toBe(String(mine.totals.created));
		// The agent's report counts requests assigned to them: none sit in a queue.
		expect(await rowsOf(await download('queues', window, { cookie: agent.cookie! }))).toEqual([]);

		const others = await download(
			'agents',
			{ ...window, agentId: otherId },
			{ cookie: agent.cookie! }
		);
		expect(others.status).toBe(403);
		expect((await others.json()).error.reason).toBe('forbidden');
		const anonymous = await download('agents', window);
		expect(anonymous.status).toBe(401);
		expect((await anonymous.json()).error.reason).toBe('unauthenticated');
		const backwards = await download(
			'queues',
			{ from: window.to, to: window.from },
			{ cookie: admin.cookie! }
		);
		expect(backwards.status).toBe(400);
		expect((await backwards.json()).error).toMatchObject({ reason: 'invalid', field: 'to' });
		const post = await fetch(`${server.url}/export/report-agents.csv`, {
			method: 'POST',
			headers: { cookie: admin.cookie! }
		});
		expect(post.status).toBe(405);
	});
});
