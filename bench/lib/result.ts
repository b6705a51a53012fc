/** What every benchmark reports: its figures with the inputs that produced them, and the target. */

export interface BenchResult {
	/** The row of issue 9's table. */
	id: number;
	name: string;
	/** Measured figures; medians over rounds unless the name says otherwise (p95, …). */
	figures: Record<string, number | string | null>;
	/** What produced them (counts, concurrency, durations, rounds), so runs can be compared. */
	inputs: Record<string, unknown>;
	target: string;
	/** Whether the target was met in this run; null when it could not be judged. */
	met: boolean | null;
	/** One line for the printed table. */
	summary: string;
	notes?: string[];
}

export interface BenchOptions {
	quick: boolean;
}
