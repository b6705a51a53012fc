/**
 * A Dexie live query as a rune-friendly value: `const rows = live(() => db.requests.toArray(), [])`
 * inside a component; `rows.current` follows the database, across tabs too.
 */
import { liveQuery } from 'dexie';

export function live<T>(query: () => Promise<T>, initial: T): { readonly current: T } {
	let value = $state.raw(initial);
	$effect(() => {
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
