/**
 * The database work that live streams need while they run: who a request is (its session or
 * token), a user read again, a link page's view, the right to a live session; and the pages of
 * a streamed CSV export. Everything else a
 * caller asks is an API call, answered whole where the database is (trpc/node-handler.ts).
 *
 * A stream calls these through `runTask`: in the same thread where the database is (SQLite,
 * commands, tests), or, on the HTTP thread of a server on PostgreSQL, on its database thread
 * (db-thread/), so that waiting on PostgreSQL never holds the thread that serves every
 * connection. Arguments and results cross threads by structured cloning: plain data only.
 */
import type { Beckon } from './app';
import { currentView, watchStart } from './services/link-page';
import {
	agentSessionId,
	agentStillAllowed,
	endUserSessionId,
	endUserStillAllowed
} from './services/signalling';
import { exportRequestsPage, type ExportFilters } from './services/request-export';
import { reportTableCsv, type ReportTable } from './services/report-export';
import type { ReportFilters } from './services/reports';
import { pokeViewer } from './services/sync';
import { loadAuthUser, type AuthUser } from './services/users';
import type { Device } from './services/auth';
import { openFlow, sealFlow, ssoSignIn, type SsoClaims } from './services/sso';
import type { FlowChecks } from './sso/oidc-client';
import { ssoClient } from './services/sso-settings';
import { userOf, type Credentials } from './trpc/context';

export const TASKS = {
	'auth.user': (app: Beckon, credentials: Credentials) => userOf(app, credentials),
	'users.load': (app: Beckon, userId: string) => loadAuthUser(app, userId),
	/** A poke stream's user and view epoch. */
	'sync.viewer': (app: Beckon, userId: string) => pokeViewer(app, userId),
	'link.watch': (app: Beckon, token: string, clientAddress: string) =>
		watchStart(app, token, clientAddress),
	'link.view': (app: Beckon, token: string) => currentView(app, token),
	'signals.endUser': (app: Beckon, token: string, clientAddress: string, sessionKey?: string) =>
		endUserSessionId(app, token, clientAddress, sessionKey),
	'signals.endUserAllowed': (app: Beckon, token: string, sessionKey?: string) =>
		endUserStillAllowed(app, token, sessionKey),
	'signals.agent': (app: Beckon, user: AuthUser, requestId: string) =>
		agentSessionId(app, user, requestId),
	'signals.agentAllowed': (app: Beckon, userId: string, requestId: string) =>
		agentStillAllowed(app, userId, requestId),
	/** One page of a CSV export, which the HTTP side streams (http/export.ts). */
	'export.requests': (app: Beckon, user: AuthUser, filters: ExportFilters, cursor: string | null) =>
		exportRequestsPage(app, user, filters, cursor),
	/** Single sign-on's settings and its sign-in, for its browser routes (http/oidc.ts). */
	'sso.client': (app: Beckon) => ssoClient(app),
	'sso.sealFlow': (app: Beckon, checks: FlowChecks, lifetimeMs: number) =>
		sealFlow(app, checks, lifetimeMs),
	'sso.openFlow': (app: Beckon, value: string | null) => openFlow(app, value),
	'sso.signIn': (app: Beckon, claims: SsoClaims, device: Device) => ssoSignIn(app, claims, device),
	/** A report table as CSV (http/report-export.ts). */
	'export.reportTable': (app: Beckon, user: AuthUser, filters: ReportFilters, table: ReportTable) =>
		reportTableCsv(app, user, filters, table)
};

export type TaskName = keyof typeof TASKS;
type Task<N extends TaskName> = (typeof TASKS)[N];
type TaskArgs<N extends TaskName> = Parameters<Task<N>> extends [Beckon, ...infer A] ? A : never;

export function isTaskName(name: string): name is TaskName {
	return Object.hasOwn(TASKS, name);
}

/** Runs a task where the database is: here, or on the database thread. */
export function runTask<N extends TaskName>(
	app: Beckon,
	name: N,
	...args: TaskArgs<N>
): Promise<ReturnType<Task<N>>> {
	if (app.thread) return app.thread.run(name, args) as Promise<ReturnType<Task<N>>>;
	try {
		const task = TASKS[name] as (app: Beckon, ...args: unknown[]) => ReturnType<Task<N>>;
		return Promise.resolve(task(app, ...args));
	} catch (error) {
		return Promise.reject(error);
	}
}
