import { describe, expect, it } from 'vitest';
import { ReadBudget, type ReadBudgetPolicy } from './read-budget';

/**
 * A budget of 250 ms a second, up to 1 s saved, 20 reads waiting, no wait for a refill, binding
 * while someone else called within the last second.
 */
const budgetOf = (policy: Partial<ReadBudgetPolicy> = {}, now?: () => number) =>
	new ReadBudget(
		{
			msPerSecond: 250,
			burstMs: 1_000,
			maxWaiting: 20,
			maxWaitMs: 0,
			contendedMs: 1_000,
			...policy
		},
		now
	);

describe('ReadBudget', () => {
	it("runs one user's reads one at a time, each after a turn of the event loop", async () => {
		const budget = budgetOf();
		const order: string[] = [];
		const read = async (name: string) => {
			const release = await budget.enter('u');
			order.push(`start ${name}`);
			await new Promise((r) => setTimeout(r, 5));
			order.push(`end ${name}`);
			release(1);
		};
		// Another user's timer set after the reads were queued runs between them.
		const reads = [read('a'), read('b')];
		setImmediate(() => order.push('other'));
		await Promise.all(reads);
		expect(order).toEqual(['other', 'start a', 'end a', 'start b', 'end b']);
	});

	it('refuses once the time spent exceeds the balance, and refills over time', async () => {
		let now = 0;
		const budget = budgetOf({}, () => now);
		budget.noteCall('someone else');
		(await budget.enter('u'))(600);
		(await budget.enter('u'))(600);
		expect(budget.balanceOf('u')).toBe(-200);
		await expect(budget.enter('u')).rejects.toMatchObject({ reason: 'rate_limited' });
		// Another user is not affected.
		(await budget.enter('v'))(10);
		now += 1_000; // +250 ms
		expect(budget.balanceOf('u')).toBe(50);
		budget.noteCall('v');
		(await budget.enter('u'))(10);
		now += 60_000;
		expect(budget.balanceOf('u')).toBe(1_000);
	});

	it('waits out a short deficit before the read runs', async () => {
		const budget = budgetOf({ msPerSecond: 1_000, burstMs: 100, maxWaiting: 5, maxWaitMs: 500 });
		budget.noteCall('v');
		(await budget.enter('u'))(150); // 50 ms in debt: refills in 50 ms
		const started = performance.now();
		(await budget.enter('u'))(1);
		expect(performance.now() - started).toBeGreaterThanOrEqual(45);
		(await budget.enter('u'))(2_000); // far in debt: refused, not waited for
		await expect(budget.enter('u')).rejects.toMatchObject({ reason: 'rate_limited' });
	});

	it('refuses at once when too many reads of one user wait', async () => {
		const budget = budgetOf({ maxWaiting: 3 });
		const waiting = [budget.enter('u'), budget.enter('u'), budget.enter('u')];
		await expect(budget.enter('u')).rejects.toMatchObject({ reason: 'rate_limited' });
		for (const entered of waiting) (await entered)(1);
		(await budget.enter('u'))(1);
	});

	it('binds only while someone else has called within contendedMs', async () => {
		let now = 0;
		const budget = budgetOf({}, () => now);
		// Alone on the server: reads far beyond the balance run, and leave it at zero, not in debt.
		for (let k = 0; k < 5; k++) (await budget.enter('u'))(600);
		expect(budget.balanceOf('u')).toBe(0);
		// Someone else calls (an end user's link page: noted as anyone not signed in): from then
		// on the spent balance binds, as it does in the tests above.
		budget.noteCall('');
		expect(budget.contended('u')).toBe(true);
		await expect(budget.enter('u')).rejects.toMatchObject({ reason: 'rate_limited' });
		// u's own calls do not make the server wanted by others.
		now += 400;
		budget.noteCall('u');
		now += 700;
		expect(budget.contended('u')).toBe(false);
		// A second since the other caller: alone again, the read runs (the balance had refilled
		// 275 ms meanwhile, and is charged).
		(await budget.enter('u'))(100);
		expect(budget.balanceOf('u')).toBe(175);
	});
});
