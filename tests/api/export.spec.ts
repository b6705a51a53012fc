/**
 * `GET /export/requests.csv` over HTTP: what a spreadsheet gets is what `requests.list` shows the
 * same caller with the same filters, read back with a CSV parser; formula-like cells are
 * neutralised; it streams past one page; cookie and bearer token both work, nobody else does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { write } from '../../src/server/app';
import { insertPlannedCreates, planCreate } from '../../src/server/services/requests';
import { EXPORT_PAGE } from '../../src/server/services/request-export';
import { loadAuthUser } from '../../src/server/services/users';
import { ApiClient } from '../support/client';
import { csvRowsOf } from '../support/csv';
import { makeUser, signIn, startTestServer, type TestServer } from '../support/server';

type Json = Record<string, any>;

/** Every request `client` may list with `input`, page after page. */
async function listAll(client: ApiClient, input: Json = {}): Promise<Json[]> {
	const items: Json[] = [];
	let cursor: string | undefined;
	do {
		const page = await client.query('requests.list', { ...input, limit: 200, cursor });
		items.push(...page.items);
		cursor = page.nextCursor ?? undefined;
	} while (cursor);
	return items;
}

describe('CSV export of the request list', () => {
	let server: TestServer;
	let admin: ApiClient;
	let agent: ApiClient;
	let agentId: string;
	let otherId: string;
	let queueId: string;

	const download = (query: string, headers: Record<string, string> = {}) =>
		fetch(`${server.url}/export/requests.csv${query}`, { headers });
	const asAgent = (query = '') => download(query, { cookie: agent.cookie! });

	beforeAll(async () => {
		server = await startTestServer();
		const adminUser = await makeUser(server.app, 'admin', 'edit');
		const agentUser = await makeUser(server.app, 'agent', 'edit');
		const otherUser = await makeUser(server.app, 'agent', 'edit');
		agentId = agentUser.id;
		otherId = otherUser.id;
		admin = await signIn(server, adminUser);
		agent = await signIn(server, agentUser);
		const queue = await admin.mutate('queues.create', { name: 'Desk', memberIds: [agentId] });
		queueId = queue.queue?.id ?? queue.id;
	});
	afterAll(() => server?.close());

	it('round-trips what the list shows, neutralising cells a spreadsheet would run', async () => {
		const tricky = [
			'=HYPERLINK("http://evil.example","click")',
			'+1 555 0100',
			'-2+3',
			'@SUM(A1:A2)',
			'\tTabbed',
			'\rReturned',
			'Zoë "Zo" Núñez, Jr.',
			'日本語の名前'
		];
		const made: Json[] = [];
		for (const [i, name] of tricky.entries()) {
			made.push(
				await admin.mutate('requests.create', {
					recipientName: name.trim() === name ? name : `${name} ${i}`,
					recipientEmail: `person-${i}@example.com`,
					comments: i % 2 ? `Line one\nline two, with "quotes"\r\nthree` : '=1+1',
					assignment: i % 3 === 0 ? { kind: 'queue', queueId } : { kind: 'unassigned' }
				})
			);
		}
		// Not visible to the agent: assigned to another agent, created by the admin.
		const hidden = await admin.mutate('requests.create', {
			recipientName: 'Hidden from the agent',
			assignment: { kind: 'agent', userId: otherId }
		});
		const closed = await admin.mutate('requests.create', {
			recipientName: 'Closed one',
			assignment: { kind: 'unassigned' }
		});
		await admin.mutate('requests.close', { id: closed.id });

		const rows = await csvRowsOf(await asAgent());
		const listed = await listAll(agent);
		expect(rows.map((r) => r.id)).toEqual(listed.map((r) => r.id));
		expect(rows.map((r) => r.id)).not.toContain(hidden.id);
		expect(
			(await csvRowsOf(await download('', { cookie: admin.cookie! }))).map((r) => r.id)
		).toContain(hidden.id);

		for (const row of rows) {
			const request = listed.find((r) => r.id === row.id)!;
			const shown = (text: string | null) =>
				text === null ? '' : /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
			expect(row).toEqual({
				id: request.id,
				recipientName: shown(request.recipientName),
				recipientEmail: request.recipientEmail ?? '',
				status: request.status,
				closedReason: request.closedReason ?? '',
				assignment: request.assignment.kind,
				assignee: '',
				queue: request.assignment.kind === 'queue' ? 'Desk' : '',
				scheduledAt: request.scheduledAt ?? '',
				expiresAt: request.expiresAt,
				createdAt: request.createdAt,
				createdBy: expect.stringMatching(/^admin edit \d+$/),
				updatedAt: request.updatedAt,
				statusChangedAt: request.statusChangedAt,
				emailLanguage: request.emailLanguage,
				sendEmail: String(request.sendEmail),
				comments: shown(request.comments)
			});
		}
		const byName = new Map(rows.map((r) => [r.id, r.recipientName]));
		expect(byName.get(made[0].id)).toBe(`'=HYPERLINK("http://evil.example","click")`);
		expect(byName.get(made[1].id)).toBe(`'+1 555 0100`);
		expect(byName.get(made[2].id)).toBe(`'-2+3`);
		expect(byName.get(made[3].id)).toBe(`'@SUM(A1:A2)`);
		expect(byName.get(made[6].id)).toBe('Zoë "Zo" Núñez, Jr.');
		expect(byName.get(made[7].id)).toBe('日本語の名前');
		expect(rows.find((r) => r.id === made[0].id)!.comments).toBe(`'=1+1`);
		expect(rows.find((r) => r.id === made[1].id)!.comments).toBe(
			'Line one\nline two, with "quotes"\r\nthree'
		);
	});

	it('applies the list’s filters', async () => {
		const cases: [string, Json][] = [
			['?status=closed', { status: ['closed'] }],
			['?status=open&status=closed', { status: ['open', 'closed'] }],
			['?status=open,closed', { status: ['open', 'closed'] }],
			['?assignee=unassigned', { assignment: { kind: 'unassigned' } }],
			[`?assignee=queue:${queueId}`, { assignment: { kind: 'queue', queueId } }],
			['?assignee=me', { assignment: { kind: 'me' } }],
			['?search=example.com', { search: 'example.com' }],
			[`?search=${encodeURIComponent('Zoë')}&status=open`, { search: 'Zoë', status: ['open'] }]
		];
		for (const [query, input] of cases) {
			const ids = (await csvRowsOf(await asAgent(query))).map((r) => r.id);
			expect(ids, query).toEqual((await listAll(agent, input)).map((r) => r.id));
		}
		expect((await csvRowsOf(await asAgent('?status=closed'))).length).toBeGreaterThan(0);
	});

	it('streams an export longer than a page', async () => {
		const app = server.app;
		const user = loadAuthUser(app, agentId)!;
		// Made as a push of offline creates is: planned one by one, inserted a hundred at a time.
		write(app, () => {
			const pendingIds = new Set<string>();
			const plans = Array.from({ length: EXPORT_PAGE + 150 }, (_, i) => {
				const plan = planCreate(app, user, { recipientName: `Bulk ${i}` }, { pendingIds });
				pendingIds.add(plan.row.id);
				return plan;
			});
			insertPlannedCreates(app, user, plans);
		});
		const response = await asAgent('?search=Bulk');
		expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
		expect(response.headers.get('content-disposition')).toMatch(
			/^attachment; filename="requests-\d{4}-\d{2}-\d{2}\.csv"$/
		);
		// Streamed in pieces, not sized up front.
		expect(response.headers.get('transfer-encoding')).toBe('chunked');
		expect(response.headers.get('content-length')).toBeNull();
		const rows = await csvRowsOf(response);
		expect(rows).toHaveLength(EXPORT_PAGE + 150);
		expect(new Set(rows.map((r) => r.id)).size).toBe(EXPORT_PAGE + 150);
	});

	it('takes an API token, and refuses anyone else clearly', async () => {
		const { token } = await admin.mutate('tokens.create', { name: 'export' });
		const rows = await csvRowsOf(await download('', { authorization: `Bearer ${token}` }));
		expect(rows.length).toBe((await listAll(admin)).length);

		const anonymous = await download('');
		expect(anonymous.status).toBe(401);
		expect((await anonymous.json()).error.reason).toBe('unauthenticated');
		const wrongToken = await download('', { authorization: 'Bearer bk_not-a-token' });
		expect(wrongToken.status).toBe(401);

		const none = await makeUser(server.app, 'agent', 'none');
		const noAccess = new ApiClient(server.url);
		await noAccess.login(none.email, none.password);
		const refused = await download('', { cookie: noAccess.cookie! });
		expect(refused.status).toBe(403);
		expect((await refused.json()).error.reason).toBe('forbidden');

		const bad = await asAgent('?status=lost');
		expect(bad.status).toBe(400);
		expect((await bad.json()).error).toMatchObject({ reason: 'invalid', field: 'status.0' });
		// A cookie sent from another site is not honoured.
		const crossSite = await download('', {
			cookie: agent.cookie!,
			origin: 'https://evil.example'
		});
		expect(crossSite.status).toBe(401);
		const post = await fetch(`${server.url}/export/requests.csv`, {
			method: 'POST',
			headers: { cookie: agent.cookie! }
		});
		expect(post.status).toBe(405);
	});
});
