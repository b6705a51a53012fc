/**
 * #4 Pull pages applied into Dexie by the app's `applyPull`, in Debian's Chromium, against raw
 * IndexedDB puts of the same rows into the same stores in the same page. The page is served from
 * memory by Playwright's router at a loopback origin (IndexedDB needs a real origin).
 */
import { build } from 'esbuild';
import { launchChromium } from '../lib/browser';
import type { BenchOptions, BenchResult } from '../lib/result';
import { median, round } from '../lib/stats';

const ORIGIN = 'http://127.0.0.1:9/';

export async function run({ quick }: BenchOptions): Promise<BenchResult> {
	const count = 10_000;
	const pageSize = 1000;
	const rounds = quick ? 5 : 9;
	const bundle = await build({
		entryPoints: ['bench/browser/dexie-page.ts'],
		bundle: true,
		format: 'esm',
		platform: 'browser',
		target: 'chrome120',
		minify: true,
		write: false
	});
	const script = bundle.outputFiles[0].text;
	const browser = await launchChromium();
	const dexie: number[] = [];
	const raw: number[] = [];
	try {
		const page = await browser.newPage();
		await page.route(`${ORIGIN}**`, (route) =>
			route.request().url().endsWith('.js')
				? route.fulfill({ contentType: 'text/javascript', body: script })
				: route.fulfill({
						contentType: 'text/html',
						body: '<!doctype html><script type="module" src="/bench.js"></script>'
					})
		);
		await page.goto(ORIGIN);
		await page.waitForFunction(() => typeof window.benchRound === 'function');
		// Round 0 warms the JIT and IndexedDB's backing store and is not counted.
		for (let r = 0; r <= rounds; r++) {
			const result = await page.evaluate(
				([r, count, pageSize]) => window.benchRound(r, count, pageSize),
				[r, count, pageSize] as const
			);
			if (r > 0) {
				dexie.push(result.dexieMs);
				raw.push(result.rawMs);
			}
		}
	} finally {
		await browser.close();
	}
	const dexieRate = round((count / median(dexie)) * 1000);
	const rawRate = round((count / median(raw)) * 1000);
	// Each round's pair ran back to back: the median of their ratios cancels most of the noise.
	const ratio = round(median(dexie.map((ms, i) => raw[i] / ms)), 2);
	return {
		id: 4,
		name: 'pull applied into Dexie (Chromium)',
		figures: { dexie_rows_per_s: dexieRate, raw_idb_rows_per_s: rawRate, ratio },
		inputs: {
			rows: count,
			pageSize,
			rounds,
			browser: 'Debian Chromium (Playwright)',
			dexieMs: dexie.map((ms) => round(ms)),
			rawMs: raw.map((ms) => round(ms))
		},
		target: '≥ 0.7 × raw IndexedDB puts of the same rows in the same page',
		met: ratio >= 0.7,
		summary: `${dexieRate} rows/s vs raw IndexedDB ${rawRate} rows/s: ${ratio}×`
	};
}
