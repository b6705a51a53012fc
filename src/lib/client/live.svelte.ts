/**
 * A Dexie live query as a rune-friendly value. `makeQuery` runs inside an effect, so reactive
 * values it reads (a selected id, a filter) re-create the query when they change; the query it
 * returns follows the database, across tabs too.
 *
 *   const rows = live(() => () => db.requests.toArray(), []);
 *   const events = live(() => { const id = selectedId; return () => db.events.where({ requestId: id }).toArray(); }, []);
 */
import { liveQuery } from 'dexie';

export function live<T>(makeQuery: () => () => Promise<T>, initial: T): { readonly current: T } {
	let value = $state.raw(initial);
	$effect(() => {
		const query = makeQuery();
		const subscription = liveQuery(query).subscribe({
			next: (next) => (value = next),
			error: (error) => console.error('live query failed', error)
		});
		return () => subscription.unsubscribe();
	});
	return {
		get current() {
			return value;
		}
	};
}
