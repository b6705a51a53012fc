/**
 * Offline chaos (issue 10, part 2): an agent makes 200 random changes — create, close, reassign,
 * take, extend, edit, reopen, new link, connect — some through the app's forms and buttons, the
 * rest through the app's own client code in the page (chaos-driver.ts: the optimistic mutators
 * and the outbox the forms use), while the network flips between online and offline every few
 * hundred milliseconds, the page is reloaded a few times, and the admin and the end user change
 * the same requests on the server meanwhile.
 *
 * Afterwards, online and settled: the device's IndexedDB `requests` table equals the server's
 * view of the agent (`sync.pull` as that agent) row for row, field for field; the server has
 * processed every change the device queued; and each one was applied exactly once (one event
 * by the agent per change) or is in "needs attention" with the server's reason.
 *
 * BECKON_SOAK=1 (npm run test:soak) makes 1,000 changes with 8 reloads;
 * BECKON_CHAOS_OPS and BECKON_CHAOS_SEED set the count and replay a run.
 */
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { build } from 'esbuild';
import { randomUUID } from 'node:crypto';
import type { ChaosDriver, ChaosOutcome, ChaosSnapshot } from './chaos-driver';
import {
	Api,
	attention,
	connectivity,
	createAgent,
	createQueue,
	detail,
	rowById,
	signIn,
	signInAdmin,
	tag,
	waitForOfflineReady
} from './support';

const SOAK = process.env.BECKON_SOAK === '1';
const OPS = Number(process.env.BECKON_CHAOS_OPS) || (SOAK ? 1_000 : 200);
/** Every n-th change goes through the app's forms and buttons. */
const UI_EVERY = 7;
const RELOADS = SOAK ? 8 : 3;
const SEED = Number(process.env.BECKON_CHAOS_SEED) || Math.floor(Math.random() * 2 ** 31);

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function generator(seed: number) {
	let a = seed >>> 0;
	const next = () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
	return {
		next,
		int: (n: number) => Math.floor(next() * n),
		pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]
	};
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const EVENT_OF: Record<string, string> = {
	createRequest: 'created',
	updateRequest: 'updated',
	assignRequest: 'assigned',
	takeRequest: 'taken',
	requestConnect: 'connect_requested',
	closeRequest: 'closed',
	reopenRequest: 'reopened',
	extendExpiry: 'expiry_extended',
	regenerateLink: 'link_regenerated'
};

interface Op {
	n: number;
	via: 'ui' | 'engine';
	name: string;
	requestId: string;
	outcome: ChaosOutcome;
}

type Row = ChaosSnapshot['requests'][number];

let driverScript: string;

test.beforeAll(async () => {
	const out = await build({
		entryPoints: ['tests/e2e/chaos-driver.ts'],
		bundle: true,
		write: false,
		format: 'iife',
		platform: 'browser',
		target: 'chrome120',
		logLevel: 'silent'
	});
	driverScript = out.outputFiles[0].text;
});

const driver = (page: Page) => ({
	snapshot: () =>
		page.evaluate(() => (window as unknown as { __chaos: ChaosDriver }).__chaos.snapshot()),
	mutate: (mutation: { name: string; args: Record<string, unknown> }) =>
		page.evaluate(
			(m) => (window as unknown as { __chaos: ChaosDriver }).__chaos.mutate(m as never),
			mutation
		)
});

/** The server's rows as the agent may see them, and the device's, without local bookkeeping. */
const strip = ({ assignee: _a, pending: _p, unsynced: _u, ...rest }: Row) => rest;
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);

function differences(local: Record<string, unknown>[], server: Record<string, unknown>[]) {
	const out: string[] = [];
	const there = new Map(server.map((r) => [r.id as string, r]));
	const here = new Map(local.map((r) => [r.id as string, r]));
	for (const [id, row] of here) {
		const other = there.get(id);
		if (!other) {
			out.push(`${id}: on the device only`);
			continue;
		}
		for (const key of new Set([...Object.keys(row), ...Object.keys(other)])) {
			if (JSON.stringify(row[key]) !== JSON.stringify(other[key])) {
				out.push(
					`${id}.${key}: device ${JSON.stringify(row[key])}, server ${JSON.stringify(other[key])}`
				);
			}
		}
	}
	for (const id of there.keys()) if (!here.has(id)) out.push(`${id}: on the server only`);
	return out;
}

test(`${OPS} changes while the network flips and the page reloads: device and server agree`, async ({
	page,
	context,
	request,
	playwright
}, testInfo) => {
	test.setTimeout(SOAK ? 900_000 : 150_000);
	testInfo.annotations.push({ type: 'seed', description: String(SEED) });
	const random = generator(SEED);
	const admin = await signInAdmin(request);
	const agent = await createAgent(admin, 'Chaos');
	const colleague = await createAgent(admin, 'Colleague');
	const queue = await createQueue(admin, [agent.id, colleague.id]);
	const t = tag();
	for (let i = 0; i < 4; i++) {
		await admin.mutate('requests.create', {
			recipientName: `Chaos ${t} filed ${i}`,
			assignment: i % 2 ? { kind: 'queue', queueId: queue.id } : { kind: 'unassigned' }
		});
	}

	// No step of the forms may wait forever on an element that is gone (a reassigned request).
	page.setDefaultTimeout(8_000);
	await context.addInitScript({ content: driverScript });
	await signIn(page, agent);
	await waitForOfflineReady(page);
	const chaos = driver(page);

	// The network flips on its own clock, whatever the test is doing.
	let flipping = true;
	let offline = false;
	let flips = 0;
	const flipper = (async () => {
		while (flipping) {
			await sleep(150 + random.int(450));
			if (!flipping) break;
			offline = !offline;
			flips += 1;
			await context.setOffline(offline);
		}
	})();

	const ops: Op[] = [];
	const opened = new Set<string>();
	let reloads = 0;
	let created = 0;
	const reloadAt = new Set(
		Array.from({ length: RELOADS }, (_, i) => Math.floor(((i + 1) * OPS) / (RELOADS + 1)))
	);

	/** Something the admin or the end user does on the server meanwhile. */
	async function adversary() {
		const { items } = await admin.query('requests.list', {
			search: `Chaos ${t}`,
			status: ['open', 'waiting', 'ready'],
			limit: 100
		});
		if (items.length === 0) return;
		const target = random.pick(items as { id: string; link: string | null; status: string }[]);
		const move = random.int(4);
		try {
			if (move === 0) await admin.mutate('requests.close', { id: target.id });
			else if (move === 1) {
				await admin.mutate('requests.assign', {
					id: target.id,
					assignment: { kind: 'agent', userId: colleague.id }
				});
			} else if (move === 2 && target.link && !opened.has(target.id)) {
				// The end user opens the link once (a second open within a minute is only presence).
				opened.add(target.id);
				const token = new URL(target.link).pathname.split('/').at(-1);
				await admin.request.post('/api/trpc/link.open', { data: { token } });
			} else {
				await admin.mutate('requests.create', {
					recipientName: `Chaos ${t} filed late ${created++}`,
					assignment: { kind: 'queue', queueId: queue.id }
				});
			}
		} catch {
			// a conflict with the agent's changes is the point
		}
	}

	/** A random change, chosen from what the device shows. */
	function choose(rows: Row[]): { name: string; args: Record<string, unknown> } {
		const live = rows.filter((r) => ['open', 'waiting', 'ready'].includes(r.status));
		const ended = rows.filter((r) => r.status === 'closed' || r.status === 'expired');
		const roll = random.int(100);
		const target = (from: Row[]) => (from.length ? random.pick(from) : random.pick(rows));
		const later = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
		if (rows.length === 0 || roll < 25) {
			return {
				name: 'createRequest',
				args: {
					recipientName: `Chaos ${t} ${created++}`,
					assignment: random.pick([
						{ kind: 'me' },
						{ kind: 'me' },
						{ kind: 'unassigned' },
						{ kind: 'queue', queueId: queue.id },
						{ kind: 'agent', userId: colleague.id }
					])
				}
			};
		}
		if (roll < 40) return { name: 'closeRequest', args: { id: target(live).id } };
		if (roll < 55) {
			return {
				name: 'assignRequest',
				args: {
					id: target(live).id,
					assignment: random.pick([
						{ kind: 'me' },
						{ kind: 'unassigned' },
						{ kind: 'queue', queueId: queue.id },
						{ kind: 'agent', userId: colleague.id }
					])
				}
			};
		}
		if (roll < 65) {
			const takeable = live.filter((r) => r.assignment.kind !== 'agent');
			return { name: 'takeRequest', args: { id: target(takeable).id } };
		}
		if (roll < 75) {
			return {
				name: 'extendExpiry',
				args: { id: target(live).id, expiresAt: later(8 + random.int(20)) }
			};
		}
		if (roll < 83) {
			return {
				name: 'updateRequest',
				args: { id: target(live).id, comments: `note ${random.int(1e6)}` }
			};
		}
		if (roll < 90) return { name: 'reopenRequest', args: { id: target(ended).id } };
		if (roll < 95) return { name: 'regenerateLink', args: { id: target(live).id } };
		const waiting = rows.filter((r) => r.status === 'waiting');
		return { name: 'requestConnect', args: { id: target(waiting).id } };
	}

	/** The same kind of change through the app's screens; the outbox tells what it queued. */
	async function throughUi(): Promise<Op | null> {
		const before = (await chaos.snapshot()).nextMutationId;
		// The list renders only the rows in view: choose among those.
		const live = await page
			.getByTestId('request-row')
			.evaluateAll((rows) =>
				rows
					.filter((r) =>
						['open', 'waiting', 'ready'].includes((r as HTMLElement).dataset.status ?? '')
					)
					.map((r) => (r as HTMLElement).dataset.requestId as string)
			);
		let name: string;
		let requestId: string;
		try {
			if (live.length === 0 || random.int(2) === 0) {
				name = 'createRequest';
				// The form, as the agent fills it; the list may not show the new row (it renders
				// only the rows in view), so the device's database says which request it made.
				const recipient = `Chaos ${t} form ${created++}`;
				await page.getByRole('button', { name: 'New request' }).click();
				const form = page.getByRole('form', { name: 'New session request' });
				await form.getByLabel('Recipient name').fill(recipient);
				await form.getByRole('button', { name: 'Create request' }).click();
				await expect(detail(page).getByRole('heading', { name: recipient })).toBeVisible();
				const mine = (await chaos.snapshot()).requests.find((r) => r.recipientName === recipient);
				expect(mine).toBeTruthy();
				requestId = mine!.id;
			} else {
				name = 'closeRequest';
				requestId = random.pick(live);
				await rowById(page, requestId).getByRole('button').click();
				await detail(page).getByRole('button', { name: 'Close request' }).click();
			}
			await expect.poll(async () => (await chaos.snapshot()).nextMutationId).toBe(before + 1);
		} catch (error) {
			// The request may have left the view under the form (the admin reassigned it).
			const after = (await chaos.snapshot()).nextMutationId;
			if (after !== before) throw error;
			await page.keyboard.press('Escape').catch(() => undefined);
			return null;
		}
		await page
			.getByRole('button', { name: 'Close details' })
			.click()
			.catch(() => undefined);
		return { n: ops.length, via: 'ui', name, requestId, outcome: { mutationId: before } };
	}

	const started = Date.now();
	for (let n = 0; n < OPS; n++) {
		if (reloadAt.has(n)) {
			await page.reload({ waitUntil: 'domcontentloaded' });
			await expect(connectivity(page)).toBeVisible({ timeout: 10_000 });
			await page.waitForFunction(() =>
				(window as unknown as { __chaos?: ChaosDriver }).__chaos?.ready()
			);
			reloads += 1;
		}
		if (n % 5 === 2) await adversary();
		const rows = (await chaos.snapshot()).requests;
		if (n % UI_EVERY === 3) {
			const op = await throughUi();
			if (op) {
				ops.push(op);
				continue;
			}
		}
		const mutation = choose(rows);
		if (mutation.name === 'createRequest') mutation.args.id = randomUUID();
		const outcome = await chaos.mutate(mutation);
		ops.push({
			n,
			via: 'engine',
			name: mutation.name,
			requestId: mutation.args.id as string,
			outcome
		});
		await sleep(random.int(40));
	}
	const working = Date.now() - started;
	flipping = false;
	await flipper;
	await context.setOffline(false);

	// Settled: nothing pending, and the device's copy is the server's.
	await expect.poll(async () => (await chaos.snapshot()).outbox, { timeout: 30_000 }).toBe(0);
	const agentHttp: APIRequestContext = await playwright.request.newContext({
		baseURL: testInfo.project.use.baseURL
	});
	const asAgent = new Api(agentHttp);
	await asAgent.mutate('auth.login', { email: agent.email, password: agent.password });
	let last: string[] = [];
	await expect
		.poll(
			async () => {
				// A nudge, as the browser's own `online` event would give: push, then pull.
				await page.evaluate(() => window.dispatchEvent(new Event('online')));
				await sleep(300);
				const local = (await chaos.snapshot()).requests.map(strip).sort(byId);
				const view = await asAgent.query('sync.pull', { clientId: randomUUID(), limit: 5000 });
				const server = [...view.changes].sort(byId);
				last = differences(local, server);
				return last.length;
			},
			{ timeout: 30_000, intervals: [500] }
		)
		.toBe(0);
	expect(last).toEqual([]);

	const final = await chaos.snapshot();
	const queued = ops.filter((o) => 'mutationId' in o.outcome);
	// The server has processed every change the device queued.
	const processed = await asAgent.query('sync.pull', { clientId: final.clientId, limit: 1 });
	expect(processed.lastMutationId).toBe(final.nextMutationId - 1);
	expect(queued.map((o) => (o.outcome as { mutationId: number }).mutationId)).toEqual(
		Array.from({ length: queued.length }, (_, i) => i + 1)
	);

	// Each change applied once, or refused with the server's reason, shown to the agent.
	const refused = new Map(final.attention.map((a) => [a.mutationId, a]));
	for (const entry of final.attention) {
		expect(entry.error.message.length, `reason of ${entry.mutationId}`).toBeGreaterThan(0);
		expect(['BAD_REQUEST', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT']).toContain(entry.error.code);
	}
	const expected = new Map<string, number>();
	for (const op of queued) {
		const id = (op.outcome as { mutationId: number }).mutationId;
		if (refused.has(id)) continue;
		const key = `${op.requestId} ${EVENT_OF[op.name]}`;
		expected.set(key, (expected.get(key) ?? 0) + 1);
	}
	expect(refused.size).toBe(final.attention.length);
	for (const id of refused.keys()) expect(id).toBeLessThan(final.nextMutationId);
	const touched = [...new Set(queued.map((o) => o.requestId))];
	const actual = new Map<string, number>();
	for (const id of touched) {
		let events: { type: string; actor: string }[] = [];
		try {
			events = (await admin.query('requests.get', { id })).events;
		} catch {
			// a create that was refused: the request does not exist
		}
		for (const e of events) {
			if (e.actor !== agent.id || !Object.values(EVENT_OF).includes(e.type)) continue;
			const key = `${id} ${e.type}`;
			actual.set(key, (actual.get(key) ?? 0) + 1);
		}
	}
	expect(Object.fromEntries([...actual].sort())).toEqual(Object.fromEntries([...expected].sort()));
	if (final.attention.length > 0) {
		await expect(attention(page)).toContainText(`Needs attention (${final.attention.length})`);
	}

	const ui = ops.filter((o) => o.via === 'ui').length;
	const locally = ops.filter((o) => 'refused' in o.outcome).length;
	console.log(
		`chaos (seed ${SEED}): ${ops.length} changes (${ui} through the UI, ${locally} refused on ` +
			`the device) in ${Math.round(working / 1000)} s, ${flips} network flips, ${reloads} ` +
			`reloads; ${queued.length - refused.size} applied once, ${refused.size} shown as refused`
	);
	await agentHttp.dispose();
	expect(reloads).toBe(RELOADS);
});
