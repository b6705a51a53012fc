/**
 * A Dexie live query as a rune-friendly value. `makeQuery` runs inside an effect, so reactive
 * values it reads (a selected id, a filter) re-create the query when they change; the query it
 * returns follows the database, across tabs too.
 *
 *   const rows = live(() => () => db.requests.toArray(), []);
 *   const events = live(() => { const id = selectedId; return () => db.events.where({ requestId: id }).toArray(); }, []);
 */
import { Dexie, liveQuery, type ObservabilitySet } from 'dexie';

export function live<T>(makeQuery: () => () => Promise<T>, initial: T): { readonly current: T } {
	return followed(initial, (show) => {
		const subscription = liveQuery(makeQuery()).subscribe({
			next: show,
			error: (error) => console.error('live query failed', error)
		});
		return () => subscription.unsubscribe();
	});
}

/**
 * A whole table read as a rune-friendly value, kept up to date like `live` but read again at a
 * pace set by its own cost (`followTable`).
 */
export function liveTable<T>(
	db: Dexie,
	table: string,
	read: () => Promise<T>,
	initial: T
): { readonly current: T } {
	return followed(initial, (show) => followTable(db, table, read, show));
}

/**
 * A value kept current by `follow`, run in an effect (so what it reads is tracked): it shows
 * each new value, and returns the function the effect's teardown calls to stop it.
 */
function followed<T>(
	initial: T,
	follow: (show: (value: T) => void) => () => void
): { readonly current: T } {
	let value = $state.raw(initial);
	$effect(() => follow((next) => (value = next)));
	return {
		get current() {
			return value;
		}
	};
}

/**
 * Reads `table` now and again after each change to it, but at most once per `spacing` times its
 * own last duration: a table of a few rows is read again at once, while one of 100,000 rows that
 * a first sync fills page after page is read every few seconds, not after every page (reading it
 * after each would cost more than the sync writing it). Changes from other tabs count too
 * (Dexie's `storagemutated`). Returns the function that stops it.
 */
export function followTable<T>(
	db: Dexie,
	table: string,
	read: () => Promise<T>,
	show: (value: T) => void,
	spacing = 4
): () => void {
	const prefix = `idb://${db.name}/${table}/`;
	let reading = false;
	let dirty = false;
	let stopped = false;
	let cost = 0;
	let readAt = 0;
	let timer: ReturnType<typeof setTimeout> | undefined;
	const schedule = () => {
		if (reading || timer !== undefined || stopped) return;
		const wait = Math.max(0, readAt + cost * spacing - performance.now());
		timer = setTimeout(() => {
			timer = undefined;
			void run();
		}, wait);
	};
	const run = async () => {
		reading = true;
		dirty = false;
		const started = performance.now();
		try {
			const next = await read();
			if (!stopped) show(next);
		} catch (error) {
			console.error('live table read failed', error);
		} finally {
			readAt = performance.now();
			cost = readAt - started;
			reading = false;
		}
		if (dirty) schedule();
	};
	const changed = (parts: ObservabilitySet) => {
		if (!Object.keys(parts).some((part) => part.startsWith(prefix))) return;
		dirty = true;
		schedule();
	};
	Dexie.on('storagemutated', changed);
	void run();
	return () => {
		stopped = true;
		clearTimeout(timer);
		Dexie.on('storagemutated').unsubscribe(changed);
	};
}
