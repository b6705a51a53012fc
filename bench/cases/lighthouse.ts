/**
 * #14 Lighthouse 12 (mobile emulation, default simulated throttling) against the built server on
 * 127.0.0.1, in Debian's Chromium (chrome-launcher, never a downloaded browser): the signed-in
 * agent app's requests page (signed in once through the form in the same profile, so the audits
 * open it as an agent does: user, 50 requests and service worker on the device) and the end
 * user's link page (nothing stored). Performance, cumulative layout
 * shift, accessibility and best practices, with LCP and TBT; medians of 3 runs (1 with --quick).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { seedAgentApp, startBuiltServer } from '../lib/beckon';
import { chromium } from '@playwright/test';
import { signInThroughForm } from '../lib/app';
import { sampleRow } from '../lib/data';
import type { BenchOptions, BenchResult } from '../lib/result';
import { median, round } from '../lib/stats';
import { CHROMIUM_ARGS, chromiumPath } from '../../scripts/chromium.js';
import { createLinkToken } from '../../src/server/services/link-tokens';

const CATEGORIES = ['performance', 'accessibility', 'best-practices'] as const;

interface Score {
	performance: number;
	accessibility: number;
	bestPractices: number;
	cls: number;
	lcpMs: number;
	tbtMs: number;
	/** Audits below a full score in accessibility and best practices, and the shifting elements. */
	flagged: string[];
}

/**
 * Signs the agent in once in this Chrome's profile, as a person would, and waits for the service
 * worker: the audits then open the app as an agent does every day (signed in, data on the device).
 */
async function signInOnce(port: number, url: string) {
	const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
	const page = await browser.contexts()[0].newPage();
	await page.goto(url);
	await signInThroughForm(page, 'agent@bench.test');
	await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, null, {
		timeout: 30_000
	});
	await page.close();
	await browser.close();
}

async function audit(port: number, url: string, signedIn: boolean): Promise<Score> {
	const result = await lighthouse(url, {
		port,
		output: 'json',
		logLevel: 'error',
		onlyCategories: [...CATEGORIES],
		// The agent app keeps its profile (the signed-in user, the synced list, the service
		// worker); the link page is measured as an end user opens it, with nothing stored.
		disableStorageReset: signedIn
	});
	if (!result) throw new Error(`Lighthouse returned nothing for ${url}`);
	const { lhr } = result;
	// BECKON_BENCH_LIGHTHOUSE_DIR=folder keeps each report (open it in the Lighthouse viewer).
	const keep = process.env.BECKON_BENCH_LIGHTHOUSE_DIR;
	if (keep) {
		const name = `${new URL(url).pathname.startsWith('/s/') ? 'link' : 'app'}-${Date.now()}.json`;
		writeFileSync(join(keep, name), JSON.stringify(lhr));
	}
	if (lhr.runtimeError) throw new Error(`Lighthouse: ${lhr.runtimeError.message}`);
	const score = (id: string) => lhr.categories[id]?.score ?? 0;
	const value = (id: string) => lhr.audits[id]?.numericValue ?? NaN;
	const flagged: string[] = [];
	for (const id of ['accessibility', 'best-practices']) {
		for (const ref of lhr.categories[id]?.auditRefs ?? []) {
			const a = lhr.audits[ref.id];
			if (ref.weight > 0 && a?.score !== null && a?.score !== undefined && a.score < 1)
				flagged.push(`${id}: ${ref.id}`);
		}
	}
	const shifts = lhr.audits['layout-shifts']?.details;
	if (shifts && 'items' in shifts) {
		for (const item of shifts.items as { node?: { selector?: string }; score?: number }[])
			flagged.push(`shift ${round(item.score ?? 0)}: ${item.node?.selector ?? '(unknown)'}`);
	}
	return {
		performance: score('performance'),
		accessibility: score('accessibility'),
		bestPractices: score('best-practices'),
		cls: value('cumulative-layout-shift'),
		lcpMs: value('largest-contentful-paint'),
		tbtMs: value('total-blocking-time'),
		flagged
	};
}

function summarise(runs: Score[]) {
	const m = (key: Exclude<keyof Score, 'flagged'>) => round(median(runs.map((r) => r[key])));
	return {
		performance: m('performance'),
		cls: m('cls'),
		accessibility: m('accessibility'),
		bestPractices: m('bestPractices'),
		lcpMs: m('lcpMs'),
		tbtMs: m('tbtMs'),
		flagged: [...new Set(runs.flatMap((r) => r.flagged))]
	};
}

const meets = (s: ReturnType<typeof summarise>) =>
	s.performance >= 0.95 && s.cls < 0.05 && s.accessibility === 1 && s.bestPractices === 1;

export async function run({ quick }: BenchOptions): Promise<BenchResult> {
	const rounds = quick ? 1 : 3;
	const { dataDir, app, agent } = await seedAgentApp();
	const first = sampleRow(0, { createdBy: agent.id });
	const linkPath = `/s/${createLinkToken(app.secret, first.id, 1)}`;
	app.close();
	const server = await startBuiltServer(dataDir);
	const chrome = await chromeLauncher.launch({
		chromePath: chromiumPath(),
		chromeFlags: ['--headless=new', ...CHROMIUM_ARGS]
	});
	const agentRuns: Score[] = [];
	const linkRuns: Score[] = [];
	try {
		await signInOnce(chrome.port, server.url);
		// One unmeasured load of each warms the server's file cache (signing in loaded the app's).
		// The agent app first: the link page's visit alerts the agent (a toast on the next load).
		if (!quick) await audit(chrome.port, `${server.url}/`, true);
		for (let r = 0; r < rounds; r++)
			agentRuns.push(await audit(chrome.port, `${server.url}/`, true));
		await audit(chrome.port, `${server.url}${linkPath}`, false);
		for (let r = 0; r < rounds; r++)
			linkRuns.push(await audit(chrome.port, `${server.url}${linkPath}`, false));
	} finally {
		chrome.kill();
		await server.stop();
	}
	const agentApp = summarise(agentRuns);
	const linkPage = summarise(linkRuns);
	const line = (s: ReturnType<typeof summarise>) =>
		`perf ${s.performance}, CLS ${s.cls}, a11y ${s.accessibility}, best practices ${s.bestPractices}, LCP ${Math.round(s.lcpMs)} ms, TBT ${Math.round(s.tbtMs)} ms`;
	return {
		id: 14,
		name: 'Lighthouse: agent app and link page',
		figures: {
			app_performance: agentApp.performance,
			app_cls: agentApp.cls,
			app_accessibility: agentApp.accessibility,
			app_best_practices: agentApp.bestPractices,
			app_lcp_ms: round(agentApp.lcpMs),
			app_tbt_ms: round(agentApp.tbtMs),
			link_performance: linkPage.performance,
			link_cls: linkPage.cls,
			link_accessibility: linkPage.accessibility,
			link_best_practices: linkPage.bestPractices,
			link_lcp_ms: round(linkPage.lcpMs),
			link_tbt_ms: round(linkPage.tbtMs)
		},
		inputs: {
			rounds,
			lighthouse: '12.8.2, mobile emulation, simulated throttling (the defaults)',
			agentApp:
				'requests page, signed in once in the profile before (data and service worker kept), 50 requests',
			linkPage: 'the end user’s link page of one open request',
			appFlagged: agentApp.flagged,
			linkFlagged: linkPage.flagged
		},
		target: 'performance ≥ 0.95, CLS < 0.05, accessibility and best practices 1.0, on both',
		met: meets(agentApp) && meets(linkPage),
		summary: `app: ${line(agentApp)}; link: ${line(linkPage)}`
	};
}
