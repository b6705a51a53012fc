/** Small statistics for benchmark samples: medians and nearest-rank percentiles. */

export function percentile(samples: readonly number[], p: number): number {
	if (samples.length === 0) return NaN;
	const sorted = [...samples].sort((a, b) => a - b);
	const rank = Math.ceil((p / 100) * sorted.length);
	return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export const median = (samples: readonly number[]) => {
	if (samples.length === 0) return NaN;
	const sorted = [...samples].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Rounds for display and JSON: three significant digits are all a noisy machine gives. */
export function round(value: number, digits = 3): number {
	if (!Number.isFinite(value) || value === 0) return value;
	const scale = 10 ** Math.max(0, digits - 1 - Math.floor(Math.log10(Math.abs(value))));
	return Math.round(value * scale) / scale;
}

/** Milliseconds spent in `fn`. */
export async function timed(fn: () => unknown): Promise<number> {
	const start = performance.now();
	await fn();
	return performance.now() - start;
}
