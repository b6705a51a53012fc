/**
 * The agent app's "Download CSV": the file holds the requests the list shows with the filters
 * set, read back with a CSV parser.
 */
import { expect, test } from '@playwright/test';
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { ADMIN, signIn, signInAdmin, tag } from './support';

test('downloads the filtered list as CSV', async ({ page, request }) => {
	const api = await signInAdmin(request);
	const t = tag();
	const names = [`=Export ${t} one`, `Export ${t} two, "quoted"`];
	for (const recipientName of names) {
		await api.mutate('requests.create', { recipientName, assignment: { kind: 'unassigned' } });
	}
	const closed = await api.mutate('requests.create', {
		recipientName: `Export ${t} closed`,
		assignment: { kind: 'unassigned' }
	});
	await api.mutate('requests.close', { id: closed.id });

	await signIn(page, ADMIN);
	await page.getByLabel('Search').fill(`Export ${t}`);
	await page.getByLabel('Status').selectOption('open');
	await expect(page.getByText('2 of')).toBeVisible();
	const [download] = await Promise.all([
		page.waitForEvent('download'),
		page.getByTestId('export-csv').click()
	]);
	expect(download.suggestedFilename()).toMatch(/^requests-\d{4}-\d{2}-\d{2}\.csv$/);
	const text = readFileSync((await download.path())!, 'utf8');
	expect(text.startsWith('\uFEFF')).toBe(true);
	const rows = parse(text, { bom: true, columns: true }) as Record<string, string>[];
	expect(rows.map((r) => r.recipientName).sort()).toEqual(
		[`'=Export ${t} one`, `Export ${t} two, "quoted"`].sort()
	);
	expect(rows.every((r) => r.status === 'open')).toBe(true);
});
