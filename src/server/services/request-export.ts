/**
 * The request list as CSV (`GET /export/requests.csv`): the rows `requests.list` gives the same
 * user with the same filters, a page at a time, so the HTTP side can stream a long export while
 * each page is read in a transaction of its own (on PostgreSQL, on the database thread).
 */
import type { AssignmentInput, SessionRequest, Status } from '../../lib/domain/types';
import type { Beckon } from '../app';
import { queues, users } from '../db/schema';
import { csvRow } from '../export/csv';
import { listRequests } from './request-list';
import type { AuthUser } from './users';

export interface ExportFilters {
	status?: Status[];
	assignment?: AssignmentInput;
	scheduled?: 'upcoming' | 'past';
	search?: string;
}

/** Rows per page: one read of the database. */
export const EXPORT_PAGE = 500;

export const EXPORT_HEADER = csvRow([
	'id',
	'recipientName',
	'recipientEmail',
	'status',
	'closedReason',
	'assignment',
	'assignee',
	'queue',
	'scheduledAt',
	'expiresAt',
	'createdAt',
	'createdBy',
	'updatedAt',
	'statusChangedAt',
	'emailLanguage',
	'sendEmail',
	'comments'
]);

function row(
	request: SessionRequest,
	userNames: Map<string, string>,
	queueNames: Map<string, string>
) {
	const a = request.assignment;
	return csvRow([
		request.id,
		request.recipientName,
		request.recipientEmail,
		request.status,
		request.closedReason,
		a.kind,
		a.kind === 'agent' ? (userNames.get(a.userId) ?? a.userId) : null,
		a.kind === 'queue' ? (queueNames.get(a.queueId) ?? a.queueId) : null,
		request.scheduledAt,
		request.expiresAt,
		request.createdAt,
		userNames.get(request.createdBy) ?? request.createdBy,
		request.updatedAt,
		request.statusChangedAt,
		request.emailLanguage,
		request.sendEmail,
		request.comments
	]);
}

/** Every user's (or queue's) name by id, for the columns that name them. */
function namesIn(app: Beckon, table: typeof users | typeof queues): Map<string, string> {
	const rows = app.db.select({ id: table.id, name: table.name }).from(table).all();
	return new Map(rows.map((r) => [r.id, r.name]));
}

/** One page of the export as CSV lines (no header), and where the next one starts. */
export function exportRequestsPage(
	app: Beckon,
	user: AuthUser,
	filters: ExportFilters,
	cursor: string | null
): { csv: string; nextCursor: string | null } {
	const page = listRequests(app, user, {
		...filters,
		...(cursor && { cursor }),
		limit: EXPORT_PAGE
	});
	const userNames = namesIn(app, users);
	const queueNames = namesIn(app, queues);
	return {
		csv: page.items.map((item) => row(item, userNames, queueNames)).join(''),
		nextCursor: page.nextCursor
	};
}
