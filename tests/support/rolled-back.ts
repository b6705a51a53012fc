/**
 * Two ways of making the same change, compared on one database: `read` makes the change and
 * reads back what it wrote, inside a transaction that is then rolled back, so the next way starts
 * from the same state. Returns what `read` returned and the changes announced to the bus.
 */
import { vi } from 'vitest';
import type { Beckon } from '../../src/server/app';
import type { Change } from '../../src/server/bus';

export function rolledBack<T extends object>(
	app: Beckon,
	read: () => T
): T & { announced: Change[] } {
	const hold = vi.spyOn(app.bus, 'hold');
	const rollback = new Error('roll back');
	let effects: (T & { announced: Change[] }) | undefined;
	try {
		app.sqlite.transaction(() => {
			const written = read();
			effects = { ...written, announced: hold.mock.calls.map(([change]) => change) };
			throw rollback;
		})();
	} catch (error) {
		if (error !== rollback) throw error;
	} finally {
		hold.mockRestore();
	}
	return effects!;
}
