/**
 * The recipient's time zone through the API: create, edit, get, list and sync.pull carry
 * `timeZone`; an unknown zone is refused naming the field, and nothing is written; requests made
 * without one (older clients, API callers) have none (null), and their mail keeps UTC.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, expectApiError } from '../support/client';
import { makeUser, startTestServer, type TestServer } from '../support/server';

const DAY = 86_400_000;

describe('the recipient’s time zone', () => {
	let server: TestServer;
	let agent: ApiClient;
	const now = Date.parse('2031-01-06T08:00:00.000Z');
	const rows = () =>
		(server.app.sqlite.prepare('SELECT count(*) AS n FROM session_requests').get() as { n: number })
			.n;

	beforeAll(async () => {
		server = await startTestServer({ clock: () => now });
		const user = await makeUser(server.app, 'agent', 'edit');
		agent = new ApiClient(server.url);
		await agent.login(user.email, user.password);
	});
	afterAll(() => server?.close());

	it('round-trips through create, get, list, update and sync.pull', async () => {
		const created = await agent.mutate('requests.create', {
			recipientName: 'Nora New York',
			timeZone: 'America/New_York'
		});
		expect(created.timeZone).toBe('America/New_York');
		expect((await agent.query('requests.get', { id: created.id })).timeZone).toBe(
			'America/New_York'
		);
		const list = await agent.query('requests.list', {});
		expect(list.items.find((r: { id: string }) => r.id === created.id).timeZone).toBe(
			'America/New_York'
		);

		const moved = await agent.mutate('requests.update', {
			id: created.id,
			timeZone: 'europe/madrid'
		});
		expect(moved.timeZone).toBe('Europe/Madrid');
		const got = await agent.query('requests.get', { id: created.id });
		expect(got.timeZone).toBe('Europe/Madrid');
		expect(got.events.at(-1)).toMatchObject({ type: 'updated', data: { fields: ['timeZone'] } });

		// An edit that does not name the zone keeps it; null clears it.
		expect(
			(await agent.mutate('requests.update', { id: created.id, comments: 'VPN' })).timeZone
		).toBe('Europe/Madrid');
		expect(
			(await agent.mutate('requests.update', { id: created.id, timeZone: null })).timeZone
		).toBeNull();

		const pulled = await agent.query('sync.pull', { clientId: randomUUID() });
		expect(pulled.changes.find((r: { id: string }) => r.id === created.id).timeZone).toBeNull();
	});

	it('a request made without a zone has none', async () => {
		const plain = await agent.mutate('requests.create', { recipientName: 'Old client' });
		expect(plain.timeZone).toBeNull();
	});

	it('arrives through sync.push like every other field', async () => {
		const id = randomUUID();
		const result = await agent.mutate('sync.push', {
			clientId: randomUUID(),
			mutations: [
				{
					id: 1,
					name: 'createRequest',
					args: { id, recipientName: 'Offline', timeZone: 'Asia/Tokyo' }
				}
			]
		});
		expect(result.results).toEqual([{ id: 1, ok: true }]);
		expect((await agent.query('requests.get', { id })).timeZone).toBe('Asia/Tokyo');
	});

	it.each(['Mars/Olympus_Mons', '+05:00', 42])(
		'refuses %j on create and on edit, naming the field',
		async (timeZone) => {
			const before = rows();
			const error = await expectApiError(
				agent.mutate('requests.create', { recipientName: 'X', timeZone }),
				'BAD_REQUEST',
				'invalid'
			);
			expect(error.body.data.field).toBe('timeZone');
			expect(error.body.message).toMatch(/^timeZone: /);
			expect(rows()).toBe(before);

			const existing = await agent.mutate('requests.create', {
				recipientName: 'Y',
				timeZone: 'Europe/Paris',
				expiresAt: new Date(now + DAY).toISOString()
			});
			const refused = await expectApiError(
				agent.mutate('requests.update', { id: existing.id, timeZone }),
				'BAD_REQUEST',
				'invalid'
			);
			expect(refused.body.data.field).toBe('timeZone');
			expect((await agent.query('requests.get', { id: existing.id })).timeZone).toBe(
				'Europe/Paris'
			);
		}
	);
});
