/**
 * The reports page: seeded requests of one agent (open and closed by an agent), then the page as
 * an admin (charts drawn with one bar segment per outcome and day, the table alternative with the
 * same numbers, a filter changing them, the agent table's CSV, 390 px wide, axe), as that agent
 * (their own figures only) and offline (a clear message).
 */
import { expect, test, type Page } from '@playwright/test';
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { expectAccessible } from './a11y';
import { ADMIN, createAgent, signIn, signInAdmin, tag, type Agent } from './support';

let agent: Agent;
let other: Agent;

test.beforeAll(async ({ request }) => {
	const api = await signInAdmin(request);
	agent = await createAgent(api, 'Reported');
	other = await createAgent(api, 'Other');
	const t = tag();
	for (let i = 0; i < 3; i++) {
		const made = await api.mutate('requests.create', {
			recipientName: `Report ${t} ${i}`,
			assignment: { kind: 'agent', userId: agent.id }
		});
		if (i === 0) await api.mutate('requests.close', { id: made.id });
	}
	await api.mutate('requests.create', {
		recipientName: `Report ${t} other`,
		assignment: { kind: 'agent', userId: other.id }
	});
});

async function openReports(page: Page) {
	await page
		.getByRole('navigation', { name: 'Main' })
		.getByRole('link', { name: 'Reports' })
		.click();
	await expect(page.getByRole('heading', { level: 1, name: 'Reports' })).toBeVisible();
	await expect(page.getByTestId('report')).toBeVisible();
}

test('an admin reads the team’s report: charts, tables, filters, CSV', async ({ page }) => {
	await signIn(page, ADMIN);
	await openReports(page);
	await page.getByTestId('report-agent').selectOption(agent.id);
	await expect(page.getByTestId('total-created')).toHaveText('3');
	await expect(page.getByTestId('total-closed')).toHaveText('1');

	// Today's bar: one segment still open (2), one closed by an agent (1).
	const chart = page.getByTestId('per-day-chart');
	await expect(chart.locator('rect.segment')).toHaveCount(2);
	await expect(chart.locator('rect.segment[data-outcome="open"]')).toHaveCount(1);
	await expect(chart.locator('rect.segment[data-outcome="closed_by_agent"]')).toHaveCount(1);
	// 30 days, the last of them today.
	const table = page.getByTestId('per-day-table');
	await expect(table).toBeHidden();
	await page.getByText('Show as table').first().click();
	await expect(table.locator('tbody tr')).toHaveCount(30);
	const today = table.locator('tbody tr').last();
	// Day, completed, closed by an agent, declined, expired, still open, total.
	await expect(today.locator('td')).toHaveText(['0', '1', '0', '0', '2', '3']);
	await expect(page.getByTestId('connect-chart').locator('rect.bar')).toHaveCount(7);
	await expect(page.getByTestId('connect-chart').locator('rect.bar[height="0"]')).toHaveCount(7);
	await page.getByText('Show as table').last().click();
	await expect(page.getByTestId('connect-table').locator('tbody td')).toHaveText(
		Array(7).fill('0')
	);

	const agentRows = page.getByTestId('report-agents').locator('tbody tr');
	await expect(agentRows).toHaveCount(1);
	await expect(agentRows.first().locator('th')).toHaveText(agent.name);
	await expect(agentRows.first().locator('td').first()).toHaveText('3');

	const [download] = await Promise.all([
		page.waitForEvent('download'),
		page.getByTestId('report-agents-csv').click()
	]);
	expect(download.suggestedFilename()).toMatch(/^report-agents-.*\.csv$/);
	const rows = parse(readFileSync((await download.path())!, 'utf8'), {
		bom: true,
		columns: true
	}) as Record<string, string>[];
	expect(rows).toEqual([
		{
			agentId: agent.id,
			agent: agent.name,
			created: '3',
			opened: '0',
			connected: '0',
			closed: '1',
			completed: '0',
			declined: '0',
			expired: '0'
		}
	]);

	// A filter changes the figures, the chart and its table.
	await page.getByTestId('report-outcome').selectOption('open');
	await expect(page.getByTestId('total-created')).toHaveText('2');
	await expect(chart.locator('rect.segment')).toHaveCount(1);
	await expect(today.locator('td')).toHaveText(['0', '0', '0', '0', '2', '2']);

	await expectAccessible(page, 'reports');
	// At 390 px nothing spills sideways.
	await page.setViewportSize({ width: 390, height: 800 });
	await expect
		.poll(() => page.evaluate(() => document.documentElement.scrollWidth))
		.toBeLessThanOrEqual(390);
	await expectAccessible(page, 'reports at 390 px');
});

test('an agent sees their own figures only', async ({ page }) => {
	await signIn(page, agent);
	await openReports(page);
	await expect(page.getByTestId('report-agent')).toHaveCount(0);
	await expect(page.getByTestId('total-created')).toHaveText('3');
	const agentRows = page.getByTestId('report-agents').locator('tbody tr');
	await expect(agentRows).toHaveCount(1);
	await expect(agentRows.first().locator('th')).toHaveText(agent.name);
	await expect(page.getByTestId('report-queues')).toHaveCount(0);
	await expectAccessible(page, 'reports, agent');
});

test('offline, the page says reports need the server', async ({ page, context }) => {
	await signIn(page, other);
	await openReports(page);
	await expect(page.getByTestId('total-created')).toHaveText('1');
	await context.setOffline(true);
	await expect(page.getByTestId('report-offline')).toHaveText(/Reports need the server/);
	await context.setOffline(false);
	await expect(page.getByTestId('report-offline')).toHaveCount(0);
});
