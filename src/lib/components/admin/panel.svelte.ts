import { failure } from './admin-types';

/**
 * What every admin panel does with the server: it loads its data each time the app is online
 * (again after the network comes back), and shows the message of its last failed call above its
 * table (`error`). A successful load clears that line.
 */
export class Panel {
	error = $state<string | null>(null);
	readonly #load: () => Promise<unknown>;

	/** Created while the panel's component starts: the load runs in an effect of it. */
	constructor(online: () => boolean, load: () => Promise<unknown>) {
		this.#load = load;
		$effect(() => {
			if (online()) void this.reload();
		});
	}

	/** Loads the panel's data again. */
	async reload(): Promise<void> {
		if (await this.attempt(this.#load)) this.error = null;
	}

	/** Runs one call of the panel: false, with its message on the error line, when it fails. */
	async attempt(call: () => Promise<unknown>): Promise<boolean> {
		try {
			await call();
			return true;
		} catch (error) {
			this.error = failure(error);
			return false;
		}
	}
}
