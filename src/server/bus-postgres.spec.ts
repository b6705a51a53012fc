import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshSchema, schemaUrl, TEST_DATABASE_URL } from '../../tests/support/database';
import { ChangeBus, type Change } from './bus';
import { PAYLOAD_LIMIT, payloadsOf, PostgresChangeRelay } from './bus-postgres';

describe('payloadsOf', () => {
	it('packs changes into as few payloads as fit under the limit, in order', () => {
		const changes: Change[] = Array.from({ length: 300 }, (_, i) => ({
			requestId: `request-${i}`,
			after: { assignment: { kind: 'unassigned' }, createdBy: 'someone' }
		}));
		const payloads = payloadsOf('me', changes);
		expect(payloads.length).toBeGreaterThan(1);
		expect(payloads.every((p) => Buffer.byteLength(p) <= PAYLOAD_LIMIT)).toBe(true);
		expect(payloads.flatMap((p) => JSON.parse(p).changes)).toEqual(changes);
	});

	it('cuts a long list of users into several changes', () => {
		const userIds = Array.from({ length: 1_000 }, (_, i) => `user-${String(i).padStart(30, '0')}`);
		const payloads = payloadsOf('me', [{ userIds }]);
		expect(payloads.every((p) => Buffer.byteLength(p) <= PAYLOAD_LIMIT)).toBe(true);
		const delivered = payloads.flatMap((p) => JSON.parse(p).changes as Change[]);
		expect(delivered.flatMap((c) => c.userIds)).toEqual(userIds);
	});
});

describe.skipIf(!TEST_DATABASE_URL)('PostgresChangeRelay', () => {
	const buses = [new ChangeBus(), new ChangeBus(), new ChangeBus()];
	let relays: PostgresChangeRelay[];

	beforeAll(async () => {
		const shared = schemaUrl(freshSchema());
		const other = schemaUrl(freshSchema());
		relays = [
			new PostgresChangeRelay(shared, buses[0]),
			new PostgresChangeRelay(shared, buses[1]),
			new PostgresChangeRelay(other, buses[2])
		];
		relays.forEach((relay, i) => buses[i].relayTo(relay));
		await Promise.all(relays.map((relay) => relay.ready));
	});
	afterAll(async () => {
		for (const bus of buses) bus.close();
		await Promise.all(relays.map((relay) => relay.close()));
	});

	it('carries committed changes to the instances on the same schema, once each', async () => {
		const heard = buses.map(() => [] as Change[][]);
		const stop = new AbortController();
		const listening = buses.map(async (bus, i) => {
			for await (const batch of bus.batches(stop.signal)) heard[i].push(batch);
		});
		buses[0].hold({ requestId: 'r1' });
		buses[0].hold({ userIds: ['u1'] });
		buses[0].flush();
		buses[0].hold({ requestId: 'never' });
		buses[0].discard(); // rolled back: nobody hears of it
		await expect.poll(() => heard[1].flat().length).toBe(2);
		// The sender hears its own changes once (locally), the other schema not at all.
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(heard[0].flat()).toEqual([{ requestId: 'r1' }, { userIds: ['u1'] }]);
		expect(heard[1].flat()).toEqual([{ requestId: 'r1' }, { userIds: ['u1'] }]);
		expect(heard[2]).toEqual([]);
		stop.abort();
		await Promise.all(listening);
	});

	it('folds what waits to be announced into one "anything may have changed" past its bound', async () => {
		const url = schemaUrl(freshSchema());
		const sending = new ChangeBus();
		const hearing = new ChangeBus();
		const sender = new PostgresChangeRelay(url, sending, { maxQueued: 5 });
		const listener = new PostgresChangeRelay(url, hearing);
		sending.relayTo(sender);
		await Promise.all([sender.ready, listener.ready]);
		const heard: Change[] = [];
		const stop = new AbortController();
		const listening = (async () => {
			for await (const batch of hearing.batches(stop.signal)) heard.push(...batch);
		})();
		// Fifty commits at once: far more than may wait for their NOTIFY.
		for (let i = 0; i < 50; i++) {
			sending.hold({ requestId: `r${i}` });
			sending.flush();
		}
		await expect.poll(() => heard.some((change) => change.everyone)).toBe(true);
		await new Promise((resolve) => setTimeout(resolve, 200));
		// The first went out before the queue filled; the rest became one change for everyone.
		expect(heard.filter((change) => change.requestId).length).toBeLessThan(10);
		expect(heard.filter((change) => change.everyone)).toHaveLength(1);
		stop.abort();
		await listening;
		sending.close();
		hearing.close();
		await Promise.all([sender.close(), listener.close()]);
	});
});
