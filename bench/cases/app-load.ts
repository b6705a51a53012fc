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
	const seen = new Map<string, { gzip: number; transferred: number; raw: number }>();
	/** Scripts loaded in the counted round after the list showed (not counted). */
	let after: string[] = [];
	try {
		for (let r = 0; r <= rounds; r++) {
			const context = await browser.newContext({ serviceWorkers: 'block' });
			await watchScreens(context);
			const page = await context.newPage();
			const loads: Promise<void>[] = [];
			const requested = new Set<string>();
			let measured = false;
			const isScript = (url: string) => url.endsWith('.js') && url.startsWith(server.url);
			page.on('request', (request) => {
				if (r === 1 && isScript(request.url())) requested.add(request.url());
			});
			page.on('response', (response) => {
				const url = response.url();
				if (r !== 1 || measured || !isScript(url)) return;
				loads.push(
					(async () => {
						const body = await response.body();
						const sizes = await response.request().sizes();
						seen.set(url, {
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
				// Counted: the scripts the page requested until the agent's first screen of work (the
				// request list's first row, right after signing in) was up, as the page's resource
				// timing says once each script requested so far has arrived. What loads after it
				// (AgentApp.afterFirstScreen) is not.
				const before = await page.waitForFunction(
					(urls) => {
						const entries = performance.getEntriesByType('resource');
						if (!urls.every((url) => entries.some((e) => e.name === url))) return null;
						const home = window.__screens.home as number;
						return entries.filter((e) => e.startTime <= home).map((e) => e.name);
					},
					[...requested],
					{ timeout: 30_000 }
				);
				const urls = new Set((await before.jsonValue()) as string[]);
				measured = true;
				await Promise.all(loads);
				for (const [url, sizes] of seen) if (urls.has(url)) scripts.set(url, sizes);
				after = [...seen]
					.filter(([url]) => !urls.has(url))
					.map(([url, s]) => `${new URL(url).pathname} ${round(s.gzip / 1024)} KB`);
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
			js_files_after_list: after.length,
			cold_to_interactive_ms: round(median(cold)),
			offline_warm_start_ms: warmMs
		},
		inputs: {
			rounds,
			gzip: 'zlib level 9 of each script requested until the request list showed its first row after signing in (resource timing)',
			interactive: 'sign-in form rendered by the app (after hydration and boot)',
			warmStart:
				'reload offline, service worker in control, 50 requests on the device, until the list shows',
			// The largest scripts first: where the kilobytes of the first screen go.
			scripts: [...scripts]
				.sort(([, a], [, b]) => b.gzip - a.gzip)
				.map(([url, s]) => `${new URL(url).pathname} ${round(s.gzip / 1024)} KB`),
			afterList: after
		},
		target: 'first-screen JS ≤ 150 KB gzip; offline warm start < 500 ms',
		met: gzipKb <= 150 && warmMs < 500,
		summary: `${gzipKb} KB gzip JS (${scripts.size} files); cold ${round(median(cold))} ms to interactive; offline warm start ${warmMs} ms`
	};
}
