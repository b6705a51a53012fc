/**
 * `sync.push` and `sync.pull`. Push re-runs each named mutation through the same service the
 * direct procedures use, in order, idempotently by (clientId, mutation id). Pull sends what the
 * user may see that changed since their cursor, and removals for what left their view.
 */
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import { DomainError, forbidden, fromZodIssues, invalid } from '../../lib/domain/errors';
import { canSee } from '../../lib/domain/visibility';
import {
	ERROR_CODE_OF,
	MUTATION_ARGS,
	PROTOCOL_VERSION,
	type MutationName,
	type MutationResult,
	type PullInput,
	type PushInput
} from '../../lib/sync/protocol';
import type { Assignment, SessionRequest } from '../../lib/domain/types';
import { write, type Beckon } from '../app';
import { prepared } from '../db/prepared';
import {
	requestEvents,
	sessionRequests,
	syncClients,
	syncMutations,
	viewEpochs,
	type SessionRequestRow
} from '../db/schema';
import { toSessionRequest, visibilityOf } from './request-records';
import * as requests from './requests';
import type { AuthUser } from './users';
import { log } from '../log';

type Mutator = (app: Beckon, user: AuthUser, args: never) => SessionRequest;

/** The one map from mutation names to services. */
export const MUTATORS: Record<MutationName, Mutator> = {
	createRequest: requests.createRequest,
	updateRequest: requests.updateRequest,
	assignRequest: requests.assignRequest,
	takeRequest: requests.takeRequest,
	requestConnect: requests.requestConnect,
	startSession: requests.startSession,
	endSession: requests.endSession,
	closeRequest: requests.closeRequest,
	reopenRequest: requests.reopenRequest,
	extendExpiry: requests.extendExpiry,
	regenerateLink: requests.regenerateLink
};

function checkProtocol(version: number | undefined) {
	if (version !== undefined && version !== PROTOCOL_VERSION) {
		throw invalid(
			'protocolVersion',
			`this server speaks sync protocol ${PROTOCOL_VERSION}; reload the app to update it`
		);
	}
}

const clientById = prepared((db) =>
	db
		.select()
		.from(syncClients)
		.where(eq(syncClients.clientId, sql.placeholder('clientId')))
		.prepare()
);

/** The client's bookkeeping row; a client id belongs to the user who first used it. */
function clientRow(app: Beckon, user: AuthUser, clientId: string) {
	const row = clientById(app.db).get({ clientId });
	if (row && row.userId !== user.id) throw forbidden('This sync client belongs to another user');
	return row;
}

function runMutation(
	app: Beckon,
	user: AuthUser,
	name: MutationName,
	args: unknown
): MutationResult['error'] {
	const parsed = MUTATION_ARGS[name].safeParse(args);
	try {
		if (!parsed.success) throw fromZodIssues(parsed.error.issues);
		// A savepoint: a rejected mutation leaves no partial effect, and the batch goes on.
		write(app, () => MUTATORS[name](app, user, parsed.data as never));
		return undefined;
	} catch (error) {
		if (error instanceof DomainError) {
			return { code: ERROR_CODE_OF[error.reason], message: error.message };
		}
		// A bug must not block the client's queue forever: record it as a rejection, loudly.
		log.error({ err: error, mutation: name }, 'sync.push: a mutation failed unexpectedly');
		return { code: 'INTERNAL_SERVER_ERROR', message: 'The server could not apply this change' };
	}
}

// Once per mutation of every push: prepared once.
const recordMutation = prepared((db) =>
	db
		.insert(syncMutations)
		.values({
			clientId: sql.placeholder('clientId'),
			mutationId: sql.placeholder('mutationId'),
			name: sql.placeholder('name'),
			ok: sql.placeholder('ok'),
			error: sql.placeholder('error'),
			processedAt: sql.placeholder('processedAt')
		})
		.prepare()
);

export function push(app: Beckon, user: AuthUser, input: PushInput) {
	requests.requireRead(user);
	checkProtocol(input.protocolVersion);
	return write(app, () => {
		const now = app.clock();
		let lastMutationId = clientRow(app, user, input.clientId)?.lastMutationId ?? 0;
		if (lastMutationId === 0) {
			app.db
				.insert(syncClients)
				.values({ clientId: input.clientId, userId: user.id, lastMutationId: 0, updatedAt: now })
				.onConflictDoNothing()
				.run();
		}
		const results: MutationResult[] = [];
		for (const mutation of [...input.mutations].sort((a, b) => a.id - b.id)) {
			if (mutation.id <= lastMutationId) {
				// Pushed before (a retry after a lost response): answer as the first time.
				const seen = app.db
					.select()
					.from(syncMutations)
					.where(
						and(
							eq(syncMutations.clientId, input.clientId),
							eq(syncMutations.mutationId, mutation.id)
						)
					)
					.get();
				results.push({
					id: mutation.id,
					ok: seen?.ok ?? true,
					...(seen?.error ? { error: seen.error } : {})
				});
				continue;
			}
			// A gap means earlier mutations are missing: stop, the client resends from there.
			if (mutation.id !== lastMutationId + 1) break;
			const error = runMutation(app, user, mutation.name, mutation.args);
			recordMutation(app.db).run({
				clientId: input.clientId,
				mutationId: mutation.id,
				name: mutation.name,
				ok: !error,
				error: error ?? null,
				processedAt: now
			});
			lastMutationId = mutation.id;
			results.push({ id: mutation.id, ok: !error, ...(error ? { error } : {}) });
		}
		app.db
			.update(syncClients)
			.set({ lastMutationId, updatedAt: now })
			.where(eq(syncClients.clientId, input.clientId))
			.run();
		return { results, lastMutationId };
	});
}

interface PullCursor {
	version: number;
	epoch: number;
}

function encodeCursor(c: PullCursor) {
	return `${c.version}.${c.epoch}`;
}

function decodeCursor(text: string): PullCursor {
	const match = /^(\d{1,15})\.(\d{1,15})$/.exec(text);
	if (!match) throw invalid('cursor', 'is not a cursor returned by sync.pull');
	return { version: Number(match[1]), epoch: Number(match[2]) };
}

/**
 * Whether `user` could see the request under an earlier assignment. View-wide changes reset the
 * cursor, so only a reassignment takes a request out of a view between pulls: a request that was
 * never visible is no removal, and its id must not be sent.
 */
function wasVisibleTo(app: Beckon, user: AuthUser, row: SessionRequestRow): boolean {
	return app.db
		.select({ data: requestEvents.data })
		.from(requestEvents)
		.where(
			and(eq(requestEvents.requestId, row.id), inArray(requestEvents.type, ['assigned', 'taken']))
		)
		.all()
		.some(({ data }) => {
			const from = data.from as Assignment | undefined;
			return from !== undefined && canSee(user, { assignment: from, createdBy: row.createdBy });
		});
}

export const DEFAULT_PULL_PAGE = 1000;

export function pull(app: Beckon, user: AuthUser, input: PullInput) {
	requests.requireRead(user);
	checkProtocol(input.protocolVersion);
	const now = app.clock();
	const limit = input.limit ?? DEFAULT_PULL_PAGE;
	// One read transaction: the page, the epoch and the mutation id are one consistent snapshot.
	return app.db.transaction(() => {
		const lastMutationId = clientRow(app, user, input.clientId)?.lastMutationId ?? 0;
		const epoch =
			app.db.select().from(viewEpochs).where(eq(viewEpochs.userId, user.id)).get()?.epoch ?? 0;
		const cursor = input.cursor ? decodeCursor(input.cursor) : null;
		// No cursor, or the user's view changed as a whole: start over from nothing.
		const reset = cursor === null || cursor.epoch !== epoch;
		const since = reset ? 0 : cursor.version;
		const rows = app.db
			.select()
			.from(sessionRequests)
			.where(gt(sessionRequests.version, since))
			.orderBy(asc(sessionRequests.version))
			.limit(limit + 1)
			.all();
		const page = rows.slice(0, limit);
		const changes: SessionRequest[] = [];
		const deleted: string[] = [];
		for (const row of page) {
			if (canSee(user, visibilityOf(row))) changes.push(toSessionRequest(app, row, now));
			else if (!reset && wasVisibleTo(app, user, row)) deleted.push(row.id);
		}
		const version = page.at(-1)?.version ?? since;
		return {
			changes,
			deleted,
			cursor: encodeCursor({ version, epoch }),
			reset,
			serverTime: new Date(now).toISOString(),
			lastMutationId,
			more: rows.length > limit
		};
	});
}
