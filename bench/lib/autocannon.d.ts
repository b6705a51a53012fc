/** The part of autocannon's API the benchmarks use (the package ships no types). */
declare module 'autocannon' {
	interface Options {
		url: string;
		connections?: number;
		duration?: number;
		method?: string;
		headers?: Record<string, string>;
		body?: string;
		/** A sequence of requests each connection sends in turn (paths relative to `url`). */
		requests?: { method?: string; path?: string; body?: string }[];
	}
	interface Histogram {
		average: number;
		p50: number;
		p99: number;
	}
	interface Result {
		requests: Histogram;
		latency: Histogram;
		non2xx: number;
		errors: number;
	}
	export default function autocannon(options: Options): Promise<Result>;
}
