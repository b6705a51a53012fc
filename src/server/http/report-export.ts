/**
 * `GET /export/report-agents.csv?from=…&to=…&agentId=…&queueId=…&outcome=…&utcOffsetMinutes=…`
 * and `/export/report-queues.csv?…`: a report table (`reports.summary`'s per-agent or per-queue
 * rows for the same caller and filters) as a CSV download, signed in by the session cookie or an
 * API token, like the request list's export (http/export.ts). A table is small (a row per agent
 * or queue): it is read in one task and sent whole.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError, DomainErrorReason, fromZodIssues } from '../../lib/domain/errors';
import { reportSummarySchema } from '../../lib/domain/schemas';
import type { Beckon } from '../app';
import { UTF8_BOM } from '../export/csv';
import { log } from '../log';
import type { ReportTable } from '../services/report-export';
import type { ReportFilters } from '../services/reports';
import { runTask } from '../tasks';
import {
	acceptsGet,
	callerOf,
	logWhenDone,
	refuse,
	refusedAsUnavailable,
	writeCsvHead
} from './export';
import type { ProxySettings } from './proxy';

export const REPORT_EXPORT_PATHS: Record<string, ReportTable> = {
	'/export/report-agents.csv': 'agents',
	'/export/report-queues.csv': 'queues'
};

function pathOf(target: string): string {
	const query = target.indexOf('?');
	return query === -1 ? target : target.slice(0, query);
}

export function isReportExportTarget(target: string): boolean {
	return Object.hasOwn(REPORT_EXPORT_PATHS, pathOf(target));
}

/** The report's filters from the query, checked as `reports.summary` checks its input. */
function filtersOf(query: URLSearchParams): ReportFilters {
	const offset = query.get('utcOffsetMinutes');
	const parsed = reportSummarySchema.safeParse({
		from: query.get('from') ?? undefined,
		to: query.get('to') ?? undefined,
		...(query.get('agentId') && { agentId: query.get('agentId') }),
		...(query.get('queueId') && { queueId: query.get('queueId') }),
		...(query.get('outcome') && { outcome: query.get('outcome') }),
		...(offset && { utcOffsetMinutes: Number(offset) })
	});
	if (!parsed.success) throw fromZodIssues(parsed.error.issues);
	return parsed.data;
}

export async function serveReportExport(
	app: Beckon,
	req: IncomingMessage,
	res: ServerResponse,
	proxy: ProxySettings
): Promise<void> {
	const path = pathOf(req.url ?? '');
	const table = REPORT_EXPORT_PATHS[path];
	logWhenDone(req, res, path);
	if (!acceptsGet(req, res)) return;
	let filters: ReportFilters;
	let user;
	try {
		filters = filtersOf(new URL(req.url ?? path, 'http://export.invalid').searchParams);
		user = await callerOf(app, req, proxy);
		if (!user) return refuse(res, 401, DomainErrorReason.unauthenticated, 'Sign in first');
		const csv = await runTask(app, 'export.reportTable', user, filters, table);
		if (res.destroyed) return;
		const day = (instant: string) => instant.slice(0, 10);
		writeCsvHead(res, `report-${table}-${day(filters.from)}-${day(filters.to)}.csv`);
		res.end(UTF8_BOM + csv);
	} catch (error) {
		if (error instanceof DomainError) {
			const status =
				error.reason === DomainErrorReason.forbidden
					? 403
					: error.reason === DomainErrorReason.unauthenticated
						? 401
						: 400;
			return refuse(res, status, error.reason, error.message, error.field);
		}
		if (refusedAsUnavailable(res, error)) return;
		log.error({ err: error }, 'Report export failed');
		return refuse(res, 500, 'unavailable', 'The export failed');
	}
}
