/**
 * #7 The agent app's first screen: the JavaScript loaded until the request list shows after
 * signing in on a first visit (gzip, and as transferred); the time from navigation to an
 * interactive sign-in form on a cold load (fresh profile, no cache, no service worker); and the
 * time to the request list on a warm start with no network (service worker, data on the device).
 * Against the built server on 127.0.0.1.
 */
import { gzipSync } from 'node:zlib';
import { seedAgentApp, startBuiltServer } from '../lib/beckon';
import { screenAt, signInThroughForm, watchScreens } from '../lib/app';
import { launchChromium } from '../lib/browser';
import type { BenchOptions, BenchResult } from '../lib/result';
import { median, round } from '../lib/stats';

export async function run({ quick }: BenchOptions): Promise<BenchResult> {
	const rounds = quick ? 3 : 7;
	const { dataDir, app } = await seedAgentApp();
	app.close();
	const server = await startBuiltServer(dataDir);
	const browser = await launchChromium();
	const cold: number[] = [];
	const warm: number[] = [];
	const scripts = new Map<string, { gzip: number; transferred: number; raw: number }>();
	try {
		for (let r = 0; r <= rounds; r++) {
			const context = await browser.newContext({ serviceWorkers: 'block' });
			await watchScreens(context);
			const page = await context.newPage();
			const loads: Promise<void>[] = [];
			let listShown = false;
			page.on('response', (response) => {
				const url = response.url();
				// Counted: the scripts the page itself loaded until the agent's first screen of work
				// (the request list, right after signing in) was up.
				if (r !== 1 || listShown || !url.endsWith('.js') || !url.startsWith(server.url)) return;
				loads.push(
					(async () => {
						const body = await response.body();
						const sizes = await response.request().sizes();
						scripts.set(url, {
							raw: body.length,
							gzip: gzipSync(body, { level: 9 }).length,
							transferred: sizes.responseBodySize
						});
					})()
				);
			});
			await page.goto(server.url);
			const at = await screenAt(page, 'signIn');
			if (r === 1) {
				await signInThroughForm(page, 'agent@bench.test');
				listShown = true;
				await Promise.all(loads);
			}
			// Round 0 warms the server's file cache and is not counted.
			if (r > 0) cold.push(at);
			await context.close();
		}

		const context = await browser.newContext({ serviceWorkers: 'allow' });
		await watchScreens(context);
		const page = await context.newPage();
		await page.goto(server.url);
		await signInThroughForm(page, 'agent@bench.test');
		await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, null, {
			timeout: 30_000
		});
		await context.setOffline(true);
		for (let r = 0; r <= rounds; r++) {
			const response = await page.reload();
			if (!response?.fromServiceWorker())
				throw new Error('the offline start did not come from the service worker');
			const at = await screenAt(page, 'home');
			if (r > 0) warm.push(at);
		}
		await context.close();
	} finally {
		await browser.close();
		await server.stop();
	}
	const kb = (key: 'gzip' | 'transferred' | 'raw') =>
		round([...scripts.values()].reduce((sum, s) => sum + s[key], 0) / 1024);
	const gzipKb = kb('gzip');
	const warmMs = round(median(warm));
	return {
		id: 7,
		name: 'agent app first screen',
		figures: {
			js_gzip_kb: gzipKb,
			js_transferred_kb: kb('transferred'),
			js_raw_kb: kb('raw'),
			js_files: scripts.size,
			cold_to_interactive_ms: round(median(cold)),
			offline_warm_start_ms: warmMs
		},
		inputs: {
			rounds,
			gzip: 'zlib level 9 of each script loaded until the request list showed after signing in',
			interactive: 'sign-in form rendered by the app (after hydration and boot)',
			warmStart:
				'reload offline, service worker in control, 50 requests on the device, until the list shows',
			// The largest scripts first: where the kilobytes of the first screen go.
			scripts: [...scripts]
				.sort(([, a], [, b]) => b.gzip - a.gzip)
				.map(([url, s]) => `${new URL(url).pathname} ${round(s.gzip / 1024)} KB`)
		},
		target: 'first-screen JS ≤ 150 KB gzip; offline warm start < 500 ms',
		met: gzipKb <= 150 && warmMs < 500,
		summary: `${gzipKb} KB gzip JS (${scripts.size} files); cold ${round(median(cold))} ms to interactive; offline warm start ${warmMs} ms`
	};
}
