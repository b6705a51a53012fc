/**
 * What a section showing the server's data does (an admin panel, the account screen's lists): it
 * loads its data each time the app is online (again after the network comes back), and shows the
 * message of its last failed call, in the section's own wording (`explain`), on its error line
 * (`error`). A successful load clears that line.
 */
export class LoadedSection {
	error = $state<string | null>(null);
	readonly #load: () => Promise<unknown>;
	readonly #explain: (error: unknown) => string;

	/** Created while the section's component starts: the load runs in an effect of it. */
	constructor(
		online: () => boolean,
		load: () => Promise<unknown>,
		explain: (error: unknown) => string
	) {
		this.#load = load;
		this.#explain = explain;
		$effect(() => {
			if (online()) void this.reload();
		});
	}

	/** Loads the section's data again. */
	async reload(): Promise<void> {
		if (await this.attempt(this.#load)) this.error = null;
	}

	/** Runs one call of the section: false, with its message on the error line, when it fails. */
	async attempt(call: () => Promise<unknown>): Promise<boolean> {
		try {
			await call();
			return true;
		} catch (error) {
			this.error = this.#explain(error);
			return false;
		}
	}
}
