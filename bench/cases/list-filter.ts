/**
 * #8 The request list with 10,000 requests on the device: from a keystroke in Search (or a change
 * of the Status filter) to the list's count showing the new result, measured in the page (event
 * time to the DOM change, and to the next frame). 10,000 requests seeded on the server, synced by
 * the app itself after signing in.
 */
import { addUser, makeDataDir, openBeckon, startBuiltServer } from '../lib/beckon';
import { signInThroughForm, watchScreens } from '../lib/app';
import { launchChromium } from '../lib/browser';
import { insertRequests, sampleRow } from '../lib/data';
import type { BenchOptions, BenchResult } from '../lib/result';
import { median, percentile, round } from '../lib/stats';

const REQUESTS = 10_000;

interface Sample {
	kind: 'key' | 'filter';
	dom: number;
	frame: number;
}

declare global {
	interface Window {
		__samples: Sample[];
	}
}

export async function run({ quick }: BenchOptions): Promise<BenchResult> {
	const keystrokes = quick ? 30 : 100;
	const filterChanges = quick ? 10 : 30;
	const dataDir = makeDataDir();
	const app = openBeckon(dataDir);
	const agent = await addUser(app, 'agent@bench.test');
	insertRequests(app.sqlite, REQUESTS, (i) => sampleRow(i, { createdBy: agent.id }), {
		events: false
	});
	app.close();
	const server = await startBuiltServer(dataDir);
	const browser = await launchChromium();
	let samples: Sample[] = [];
	try {
		const context = await browser.newContext({ serviceWorkers: 'block' });
		await watchScreens(context);
		const page = await context.newPage();
		await page.goto(server.url);
		await signInThroughForm(page, 'agent@bench.test');
		const count = page.locator('p.count');
		await page.waitForFunction(
			(n) => document.querySelector('p.count')?.textContent?.trim() === `${n} of ${n} requests`,
			REQUESTS,
			{ timeout: 120_000 }
		);
		await count.waitFor();
		await page.evaluate(() => {
			window.__samples = [];
			let started: { kind: 'key' | 'filter'; at: number } | null = null;
			document.addEventListener(
				'keydown',
				(e) => (started = { kind: 'key', at: e.timeStamp }),
				true
			);
			document.addEventListener(
				'input',
				(e) => {
					if ((e.target as Element).tagName === 'SELECT')
						started = { kind: 'filter', at: e.timeStamp };
				},
				true
			);
			const target = document.querySelector('p.count') as Element;
			new MutationObserver(() => {
				if (!started) return;
				const { kind, at } = started;
				started = null;
				const dom = performance.now() - at;
				requestAnimationFrame(() =>
					window.__samples.push({ kind, dom, frame: performance.now() - at })
				);
			}).observe(target, { childList: true, characterData: true, subtree: true });
		});
		const search = page.getByRole('searchbox');
		await search.focus();
		let expected = 0;
		const settled = () =>
			page.waitForFunction((n) => window.__samples.length >= n, expected, { timeout: 10_000 });
		// A digit (which every row does not contain, so the count changes), then Backspace.
		for (let i = 0; i < keystrokes / 2; i++) {
			await page.keyboard.press(String((i % 9) + 1));
			expected++;
			await settled();
			await page.keyboard.press('Backspace');
			expected++;
			await settled();
		}
		const status = page.getByLabel('Status');
		for (let i = 0; i < filterChanges; i++) {
			await status.selectOption(i % 2 === 0 ? 'closed' : '');
			expected++;
			await settled();
		}
		samples = await page.evaluate(() => window.__samples);
		await context.close();
	} finally {
		await browser.close();
		await server.stop();
	}
	const dom = samples.map((s) => s.dom);
	const p95 = round(percentile(dom, 95));
	const of = (kind: Sample['kind']) => samples.filter((s) => s.kind === kind).map((s) => s.dom);
	return {
		id: 8,
		name: 'list of 10,000: filter + search',
		figures: {
			p50_ms: round(median(dom)),
			p95_ms: p95,
			keystroke_p95_ms: round(percentile(of('key'), 95)),
			filter_p95_ms: round(percentile(of('filter'), 95)),
			to_next_frame_p95_ms: round(
				percentile(
					samples.map((s) => s.frame),
					95
				)
			)
		},
		inputs: {
			requests: REQUESTS,
			keystrokes,
			filterChanges,
			measuredTo: 'count text updated (DOM)'
		},
		target: 'keystroke or filter to updated list < 50 ms p95',
		met: p95 < 50,
		summary: `p50 ${round(median(dom))} ms, p95 ${p95} ms (keys ${round(percentile(of('key'), 95))}, filter ${round(percentile(of('filter'), 95))}; next frame ${round(
			percentile(
				samples.map((s) => s.frame),
				95
			)
		)})`
	};
}
