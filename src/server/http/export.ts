/**
 * `GET /export/requests.csv?status=…&assignee=…&scheduled=…&search=…`: the request list as the
 * caller sees it with those filters (the agent app's list filters), as a CSV download, signed in
 * by the session cookie or an API token. Streamed: the header goes out at once, then a page of
 * rows at a time, each read where the database is (`runTask`), waiting for the client to take
 * each page before reading the next, so a long export neither holds a transaction nor piles up
 * in memory.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError, DomainErrorReason, fromZodIssues } from '../../lib/domain/errors';
import { canRead } from '../../lib/domain/rules';
import { listRequestsSchema } from '../../lib/domain/schemas';
import type { Beckon } from '../app';
import { isUnavailable } from '../db-thread/messages';
import { UTF8_BOM } from '../export/csv';
import { log } from '../log';
import { EXPORT_HEADER, type ExportFilters } from '../services/request-export';
import { runTask } from '../tasks';
import { resolveContext } from '../trpc/context';
import { clientAddressOf, ownOrigin, type ProxySettings } from './proxy';

export const EXPORT_PATH = '/export/requests.csv';

export function isExportTarget(target: string): boolean {
	return target === EXPORT_PATH || target.startsWith(`${EXPORT_PATH}?`);
}

/** The list filters of the query, as the app's filter controls name them. */
function filtersOf(query: URLSearchParams): ExportFilters {
	const status = query
		.getAll('status')
		.flatMap((s) => s.split(','))
		.filter(Boolean);
	const assignee = query.get('assignee') ?? '';
	const [kind, id] = assignee.split(':');
	const assignment =
		assignee === ''
			? undefined
			: kind === 'agent'
				? { kind, userId: id }
				: kind === 'queue'
					? { kind, queueId: id }
					: { kind };
	const parsed = listRequestsSchema.safeParse({
		...(status.length > 0 && { status }),
		...(assignment && { assignment }),
		...(query.get('scheduled') && { scheduled: query.get('scheduled') }),
		...(query.get('search') && { search: query.get('search') })
	});
	if (!parsed.success) throw fromZodIssues(parsed.error.issues);
	const { status: statuses, assignment: parsedAssignment, scheduled, search } = parsed.data;
	return { status: statuses, assignment: parsedAssignment, scheduled, search };
}

export function refuse(
	res: ServerResponse,
	status: number,
	reason: string,
	message: string,
	field?: string
) {
	res.statusCode = status;
	res.setHeader('Content-Type', 'application/json');
	res.end(JSON.stringify({ error: { message, reason, ...(field && { field }) } }));
}

/** The CSV routes answer GET only, and nothing they send is kept in a cache: false once refused. */
export function acceptsGet(req: IncomingMessage, res: ServerResponse): boolean {
	res.setHeader('Cache-Control', 'no-store');
	if (req.method === 'GET') return true;
	res.setHeader('Allow', 'GET');
	refuse(res, 405, 'invalid', 'Use GET');
	return false;
}

/** Answers 503 when `error` says the database cannot serve now; false for any other error. */
export function refusedAsUnavailable(res: ServerResponse, error: unknown): boolean {
	if (!isUnavailable(error) && (error as { code?: string }).code !== 'SERVICE_UNAVAILABLE') {
		return false;
	}
	refuse(res, 503, 'unavailable', 'The database is unavailable; try again shortly');
	return true;
}

/** Starts a CSV download saved as `filename`. */
export function writeCsvHead(res: ServerResponse, filename: string) {
	res.writeHead(200, {
		'Content-Type': 'text/csv; charset=utf-8',
		'Content-Disposition': `attachment; filename="${filename}"`,
		'X-Content-Type-Options': 'nosniff'
	});
}

/** Waits until the response may take more (or the client has gone). */
function drained(res: ServerResponse): Promise<void> {
	return new Promise((resolve) => {
		const done = () => {
			res.off('drain', done);
			res.off('close', done);
			resolve();
		};
		res.once('drain', done);
		res.once('close', done);
	});
}

/**
 * One access-log line once the answer is complete (or the client has gone): the method, the
 * route, the status, `fields` (known at the start, or worked out at the end) and the time taken.
 * Every HTTP route answered outside SvelteKit logs with it, the API's calls included.
 */
export function logWhenDone(
	req: IncomingMessage,
	res: ServerResponse,
	route: string,
	fields?: Record<string, unknown> | (() => Record<string, unknown>)
) {
	const started = performance.now();
	res.once('close', () =>
		log.info(
			{
				method: req.method,
				route,
				status: res.statusCode,
				...(typeof fields === 'function' ? fields() : fields),
				ms: Math.round(performance.now() - started)
			},
			'request'
		)
	);
}

/** Who asks for an export: the session cookie or a bearer token, judged as the API judges them. */
export async function callerOf(app: Beckon, req: IncomingMessage, proxy: ProxySettings) {
	const ctx = await resolveContext(
		app,
		{
			authorization: req.headers.authorization ?? null,
			cookie: req.headers.cookie ?? null,
			origin: req.headers.origin ?? null,
			ownOrigin: ownOrigin(proxy, req.headers)
		},
		{ append() {} },
		clientAddressOf(proxy, req)
	);
	return ctx.user;
}

export async function serveExport(
	app: Beckon,
	req: IncomingMessage,
	res: ServerResponse,
	proxy: ProxySettings
): Promise<void> {
	let rows = 0;
	logWhenDone(req, res, EXPORT_PATH, () => ({ rows }));
	if (!acceptsGet(req, res)) return;
	let filters: ExportFilters;
	let user;
	try {
		const url = new URL(req.url ?? EXPORT_PATH, 'http://export.invalid');
		filters = filtersOf(url.searchParams);
		user = await callerOf(app, req, proxy);
	} catch (error) {
		if (error instanceof DomainError)
			return refuse(res, 400, error.reason, error.message, error.field);
		if (refusedAsUnavailable(res, error)) return;
		throw error;
	}
	if (!user) return refuse(res, 401, DomainErrorReason.unauthenticated, 'Sign in first');
	if (!canRead(user)) {
		return refuse(res, 403, DomainErrorReason.forbidden, 'You have no access to session requests');
	}

	let cursor: string | null = null;
	let first = true;
	try {
		do {
			const page: { csv: string; nextCursor: string | null } = await runTask(
				app,
				'export.requests',
				user,
				filters,
				cursor
			);
			if (res.destroyed) return;
			if (first) {
				// Headers only once the first page is in: a failure before it is still a clean error.
				const day = new Date(app.clock()).toISOString().slice(0, 10);
				writeCsvHead(res, `requests-${day}.csv`);
				res.write(UTF8_BOM + EXPORT_HEADER);
				first = false;
			}
			rows += page.csv === '' ? 0 : page.csv.split('\r\n').length - 1;
			if (!res.write(page.csv)) await drained(res);
			cursor = page.nextCursor;
		} while (cursor && !res.destroyed);
		res.end();
	} catch (error) {
		log.error({ err: error }, 'CSV export failed');
		if (first) refuse(res, isUnavailable(error) ? 503 : 500, 'unavailable', 'The export failed');
		// Mid-stream: cut the download, so a truncated file is not taken for a whole one.
		else res.destroy();
	}
}
