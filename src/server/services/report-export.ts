/**
 * The report's tables as CSV (`GET /export/report-agents.csv`, `/export/report-queues.csv`): the
 * per-agent or per-queue rows of `reports.summary` for the same caller and filters, each named,
 * with the same counts. A table has a row per agent or queue, so it is read whole, in the
 * summary's one transaction (on PostgreSQL, on the database thread).
 */
import type { Beckon } from '../app';
import { csvRow } from '../export/csv';
import { reportSummary, type Counts, type ReportFilters } from './reports';
import { requireRead } from './requests';
import type { AuthUser } from './users';

export const REPORT_TABLES = ['agents', 'queues'] as const;
export type ReportTable = (typeof REPORT_TABLES)[number];

const COUNT_COLUMNS: (keyof Counts)[] = [
	'created',
	'opened',
	'connected',
	'closed',
	'completed',
	'declined',
	'expired'
];

/** The whole table as CSV, its header first (no byte order mark: the HTTP side writes it). */
export function reportTableCsv(
	app: Beckon,
	user: AuthUser,
	filters: ReportFilters,
	table: ReportTable
): string {
	requireRead(user);
	const summary = reportSummary(app, user, filters);
	if (table === 'agents') {
		return [
			csvRow(['agentId', 'agent', ...COUNT_COLUMNS]),
			...summary.perAgent.map((row) =>
				csvRow([row.agentId, row.name, ...COUNT_COLUMNS.map((c) => row[c])])
			)
		].join('');
	}
	return [
		csvRow(['queueId', 'queue', ...COUNT_COLUMNS]),
		...summary.perQueue.map((row) =>
			csvRow([row.queueId, row.name, ...COUNT_COLUMNS.map((c) => row[c])])
		)
	].join('');
}
