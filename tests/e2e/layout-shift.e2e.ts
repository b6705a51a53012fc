/**
 * The first paint is the final layout (README, Performance row 14): while the signed-in agent app
 * opens on its list, and while an end user's link page loads, the layout shift the browser
 * records (PerformanceObserver 'layout-shift', as Lighthouse's CLS counts it) stays under 0.05.
 * On a phone-sized viewport, like Lighthouse's mobile emulation.
 */
import { expect, test, type Page } from '@playwright/test';
import { createAgent, rowById, signIn, signInAdmin, tag, waitForOfflineReady } from './support';

test.use({ viewport: { width: 412, height: 823 }, deviceScaleFactor: 1.75, isMobile: true });

interface Shift {
	value: number;
	sources: string[];
}

declare global {
	interface Window {
		__shifts: Shift[];
	}
}

/** Records every layout shift (with what moved) from the start of each navigation. */
async function recordShifts(page: Page) {
	await page.addInitScript(() => {
		window.__shifts = [];
		const describe = (node: Node | null) => {
			if (!(node instanceof Element)) return String(node?.nodeName ?? 'none');
			return `${node.tagName.toLowerCase()}${node.className ? `.${String(node.className).split(' ')[0]}` : ''}`;
		};
		new PerformanceObserver((list) => {
			for (const entry of list.getEntries() as (PerformanceEntry & {
				value: number;
				hadRecentInput: boolean;
				sources?: { node: Node | null }[];
			})[]) {
				if (entry.hadRecentInput) continue;
				window.__shifts.push({
					value: entry.value,
					sources: (entry.sources ?? []).map((s) => describe(s.node))
				});
			}
		}).observe({ type: 'layout-shift', buffered: true });
	});
}

async function shiftsAfterLoad(page: Page): Promise<{ total: number; shifts: Shift[] }> {
	// Late arrivals (the live stream, alerts, the count) have had their time to move things.
	await page.waitForTimeout(1_500);
	const shifts = await page.evaluate(() => window.__shifts);
	return { total: shifts.reduce((sum, s) => sum + s.value, 0), shifts };
}

test('the signed-in agent app opens on its list without moving it', async ({ page, request }) => {
	const admin = await signInAdmin(request);
	const agent = await createAgent(admin, 'Steady');
	let last = '';
	for (let i = 0; i < 20; i++) {
		const created = await admin.mutate('requests.create', {
			recipientName: `Steady ${tag()} ${i}`,
			comments: 'Printer on the second floor will not connect.',
			assignment: { kind: 'agent', userId: agent.id }
		});
		last = created.id;
	}
	await recordShifts(page);
	await signIn(page, agent);
	await waitForOfflineReady(page);

	// The agent's everyday start: signed in on this device, the list stored, the worker in control,
	// on a phone's slower CPU (as Lighthouse's mobile emulation), so the start-up shell paints first.
	const cdp = await page.context().newCDPSession(page);
	await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
	for (const round of ['service worker', 'again']) {
		await page.reload();
		await expect(rowById(page, last)).toBeVisible();
		const { total, shifts } = await shiftsAfterLoad(page);
		expect(total, `${round}: ${JSON.stringify(shifts)}`).toBeLessThan(0.05);
	}
});

test('the link page does not move while it loads', async ({ page, request }) => {
	const admin = await signInAdmin(request);
	const created = await admin.mutate('requests.create', {
		recipientName: `Link ${tag()}`,
		assignment: { kind: 'unassigned' }
	});
	await recordShifts(page);
	await page.goto(created.link);
	await expect(page.getByTestId('next-step')).toBeVisible();
	const { total, shifts } = await shiftsAfterLoad(page);
	expect(total, JSON.stringify(shifts)).toBeLessThan(0.05);
});
