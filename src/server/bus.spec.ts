import { describe, expect, it } from 'vitest';
import { ChangeBus, type Change } from './bus';

/** Takes what `iterator` yields until it has `count` items. */
async function take<T>(iterator: AsyncIterator<T>, count: number): Promise<T[]> {
	const items: T[] = [];
	while (items.length < count) {
		const next = await iterator.next();
		if (next.done) break;
		items.push(next.value);
	}
	return items;
}

const change = (requestId: string): Change => ({ requestId });

describe('ChangeBus', () => {
	it('announces held changes at flush only, and none that were discarded', async () => {
		const bus = new ChangeBus();
		const stop = new AbortController();
		const changes = bus.changes(stop.signal);
		const first = changes.next();
		bus.hold(change('rolled-back'));
		bus.discard();
		bus.hold(change('a'));
		bus.hold(change('b'));
		bus.flush();
		expect((await first).value).toEqual(change('a'));
		expect(await take(changes, 1)).toEqual([change('b')]);
		stop.abort();
		expect((await changes.next()).done).toBe(true);
	});

	it('hands each listener everything flushed since it last took some, as one batch', async () => {
		const bus = new ChangeBus();
		const stop = new AbortController();
		const batches = bus.batches(stop.signal);
		const first = batches.next();
		for (const id of ['a', 'b', 'c']) bus.hold(change(id));
		bus.flush();
		expect((await first).value).toEqual([change('a'), change('b'), change('c')]);
		bus.hold(change('d'));
		bus.flush();
		bus.hold(change('e'));
		bus.flush();
		expect(await take(batches, 1)).toEqual([[change('d'), change('e')]]);
		stop.abort();
	});

	it('drops at once the changes a listener does not accept, without waking it', async () => {
		const bus = new ChangeBus();
		const stop = new AbortController();
		const batches = bus.batches(stop.signal, (c) => c.requestId === 'mine');
		let woken = 0;
		const first = batches.next().then((result) => {
			woken += 1;
			return result;
		});
		for (const id of ['other', 'another']) {
			bus.hold(change(id));
			bus.flush();
		}
		await new Promise((resolve) => setTimeout(resolve, 10));
		expect(woken).toBe(0);
		bus.hold(change('other'));
		bus.hold(change('mine'));
		bus.flush();
		expect((await first).value).toEqual([change('mine')]);
		expect(woken).toBe(1);
		stop.abort();
	});

	it('hands a change for everyone to every listener, whatever it accepts', async () => {
		const bus = new ChangeBus();
		const stop = new AbortController();
		const batches = bus.batches(stop.signal, (c) => c.requestId === 'mine');
		const first = batches.next();
		bus.hold(change('other'));
		bus.hold({ everyone: true });
		bus.flush();
		expect((await first).value).toEqual([{ everyone: true }]);
		stop.abort();
	});

	it('ends every stream when it closes, and stops delivering to them', async () => {
		const bus = new ChangeBus();
		const streams = Array.from({ length: 20 }, () => bus.changes(new AbortController().signal));
		const ends = streams.map((stream) => stream.next());
		bus.close();
		for (const end of await Promise.all(ends)) expect(end.done).toBe(true);
		bus.hold(change('late'));
		bus.flush();
	});

	it('follows the version counter across announcements, and starts a new era at any gap', () => {
		const bus = new ChangeBus();
		const written = (id: string, version: number): Change => ({
			requestId: id,
			after: { assignment: { kind: 'unassigned' }, createdBy: 'u' },
			written: { row: { id, version } as never }
		});
		expect(bus.coverage()).toEqual({ era: 0, version: null });
		bus.coverFrom(10);
		const start = bus.coverage();
		expect(start).toEqual({ era: 1, version: 10 });
		// Commits that follow on, each with every version's row: one era.
		bus.deliver([written('a', 11), written('b', 12)]);
		bus.deliver([written('a', 13)]);
		expect(bus.coverage()).toEqual({ era: 1, version: 13 });
		// A change naming users only (a view epoch) takes no version: nothing moves.
		bus.deliver([{ userIds: ['u'] }]);
		expect(bus.coverage()).toEqual({ era: 1, version: 13 });
		// A commit that does not start right after the last one (another process wrote 14).
		bus.deliver([written('c', 15)]);
		expect(bus.coverage()).toEqual({ era: 2, version: 15 });
		// A hole inside a commit: a version written without its row told.
		bus.deliver([written('d', 16), written('e', 18)]);
		expect(bus.coverage()).toEqual({ era: 3, version: null });
		bus.deliver([written('f', 19)]);
		expect(bus.coverage()).toEqual({ era: 4, version: 19 });
		// Another instance's change (relayed without its row), or one for everyone.
		bus.deliver([
			{ requestId: 'g', after: { assignment: { kind: 'unassigned' }, createdBy: 'u' } }
		]);
		expect(bus.coverage()).toEqual({ era: 5, version: null });
		bus.deliver([written('h', 20)]);
		bus.deliver([{ everyone: true }]);
		expect(bus.coverage()).toEqual({ era: 7, version: null });
	});

	it('drops what a rolled-back savepoint held, and keeps what came before it', async () => {
		const bus = new ChangeBus();
		const stop = new AbortController();
		const batches = bus.batches(stop.signal);
		const first = batches.next();
		bus.hold(change('kept'));
		const mark = bus.heldCount();
		bus.hold(change('undone'));
		bus.discardSince(mark);
		bus.hold(change('after'));
		bus.flush();
		expect((await first).value).toEqual([change('kept'), change('after')]);
		stop.abort();
	});

	it('tells a listener when it starts hearing announcements', async () => {
		const bus = new ChangeBus();
		const stop = new AbortController();
		let heard = false;
		const batches = bus.batches(stop.signal, undefined, () => (heard = true));
		expect(heard).toBe(false);
		const first = batches.next();
		expect(heard).toBe(true);
		bus.hold(change('a'));
		bus.flush();
		expect((await first).value).toEqual([change('a')]);
		stop.abort();
	});
});
