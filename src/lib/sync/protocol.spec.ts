import { describe, expect, it } from 'vitest';
import {
	MAX_PUSH_BATCH,
	nextPush,
	PROTOCOL_VERSION,
	PUSH_ARGS_BUDGET,
	pushInputSchema
} from './protocol';

const queued = (count: number, comments = 'x') =>
	Array.from({ length: count }, (_, i) => ({
		id: i + 1,
		name: 'createRequest' as const,
		args: { recipientName: `R ${i}`, comments }
	}));

describe('nextPush', () => {
	it('takes the oldest mutations, as many as one push may hold', () => {
		expect(nextPush(queued(3)).map((m) => m.id)).toEqual([1, 2, 3]);
		const long = nextPush(queued(1_200));
		expect(long).toHaveLength(MAX_PUSH_BATCH);
		expect(long[0].id).toBe(1);
	});

	it('keeps a push of long arguments within the budget, and under the body limit', () => {
		const batch = nextPush(queued(MAX_PUSH_BATCH, 'é'.repeat(4000)));
		expect(batch.length).toBeLessThan(MAX_PUSH_BATCH);
		const body = JSON.stringify({ clientId: crypto.randomUUID(), mutations: batch });
		expect(new TextEncoder().encode(body).length).toBeLessThan(1_000_000);
		const argsBytes = batch.reduce(
			(sum, m) => sum + new TextEncoder().encode(JSON.stringify(m.args)).length,
			0
		);
		expect(argsBytes).toBeLessThanOrEqual(PUSH_ARGS_BUDGET);
		// One more would have gone over.
		expect(argsBytes + argsBytes / batch.length).toBeGreaterThan(PUSH_ARGS_BUDGET);
	});

	it('takes every mutation whose arguments fit the budget exactly, and no more', () => {
		const outbox = queued(5, 'é'.repeat(10));
		const bytes = outbox.reduce(
			(sum, m) => sum + new TextEncoder().encode(JSON.stringify(m.args)).length,
			0
		);
		expect(nextPush(outbox, bytes)).toHaveLength(5);
		expect(nextPush(outbox, bytes - 1)).toHaveLength(4);
		expect(nextPush(outbox, bytes * 3)).toHaveLength(5);
	});

	it('always takes one, however large, and nothing from an empty outbox', () => {
		expect(nextPush(queued(2, 'y'.repeat(100)), 10)).toHaveLength(1);
		expect(nextPush([])).toEqual([]);
	});

	it('makes pushes the server accepts', () => {
		const batch = nextPush(queued(1_000));
		const parsed = pushInputSchema.safeParse({
			clientId: crypto.randomUUID(),
			protocolVersion: PROTOCOL_VERSION,
			mutations: batch
		});
		expect(parsed.error?.issues).toBeUndefined();
		expect(parsed.success).toBe(true);
	});
});
