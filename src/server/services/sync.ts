/**
 * `sync.push` and `sync.pull`. Push re-runs each named mutation through the same service the
 * direct procedures use, in order, idempotently by (clientId, mutation id). Pull sends what the
 * user may see that changed since their cursor, and removals for what left their view.
 */
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import {
	DomainError,
	DomainErrorReason,
	forbidden,
	fromZodIssues,
	invalid
} from '../../lib/domain/errors';
import { canSee } from '../../lib/domain/visibility';
import {
	MUTATION_ARGS,
	MUTATION_NAMES,
	PROTOCOL_VERSION,
	reasonOfCode,
	refusalOf,
	type MutationName,
	type MutationRefusal,
	type MutationResult,
	type PullInput,
	type PushInput
} from '../../lib/sync/protocol';
import type { Assignment, SessionRequest } from '../../lib/domain/types';
import { write, type Beckon } from '../app';
import { prepareSql } from '../db/plain-sql';
import { prepared } from '../db/prepared';
import {
	requestEvents,
	sessionRequests,
	syncClients,
	syncMutations,
	viewEpochs,
	type SessionRequestRow
} from '../db/schema';
import { withLinkFor } from './link-access';
import { existingRequestIds, toSessionRequest, visibilityOf } from './request-records';
import { expiryMsOf, getSettings } from './settings';
import * as requests from './requests';
import { loadAuthUser, type AuthUser } from './users';
import { log } from '../log';
import { isUnavailable } from '../db-thread/messages';

/** The one map from mutation names to services, each taking its mutation's parsed arguments. */
export const MUTATORS: {
	[N in MutationName]: (
		app: Beckon,
		user: AuthUser,
		args: z.output<(typeof MUTATION_ARGS)[N]>
	) => SessionRequest;
} = {
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
	regenerateLink: requests.regenerateLink,
	transferRequest: requests.transferRequest
};

/**
 * The mutations' argument schemas, compiled (zod's `z.compile`, on the server only: it generates
 * code). Arguments the schema accepts take the generated parser, giving the same value; anything
 * else goes through the schema's own parse, so a refusal reads as it always did. zod's parse of
 * each create was a sixth of the server's time in a push of 500 offline creates.
 */
const PARSE_ARGS = Object.fromEntries(
	MUTATION_NAMES.map((name) => [name, z.compile(MUTATION_ARGS[name])])
) as unknown as typeof MUTATION_ARGS;

function checkProtocol(version: number | undefined) {
	if (version !== undefined && version !== PROTOCOL_VERSION) {
		throw new DomainError(
			DomainErrorReason.protocolMismatch,
			`this server speaks sync protocol ${PROTOCOL_VERSION}; reload the app to update it`,
			'protocolVersion'
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

/** What a push records and answers for a mutation that threw. */
function rejectionOf(error: unknown, name: MutationName): MutationRefusal {
	if (error instanceof DomainError) return refusalOf(error);
	// A bug must not block the client's queue forever: record it as a rejection, loudly.
	log.error({ err: error, mutation: name }, 'sync.push: a mutation failed unexpectedly');
	return {
		code: 'INTERNAL_SERVER_ERROR',
		reason: 'internal',
		message: 'The server could not apply this change'
	};
}

/** Runs `name`'s service on arguments its schema has parsed. */
function applyMutator<N extends MutationName>(
	app: Beckon,
	user: AuthUser,
	name: N,
	args: z.output<(typeof MUTATION_ARGS)[N]>
) {
	return MUTATORS[name](app, user, args);
}

function runMutation(
	app: Beckon,
	user: AuthUser,
	name: MutationName,
	args: unknown
): MutationResult['error'] {
	const parsed = PARSE_ARGS[name].safeParse(args);
	try {
		if (!parsed.success) throw fromZodIssues(parsed.error.issues);
		// A savepoint: a rejected mutation leaves no partial effect, and the batch goes on.
		write(app, () => applyMutator(app, user, name, parsed.data));
		return undefined;
	} catch (error) {
		return rejectionOf(error, name);
	}
}

type PushedMutation = PushInput['mutations'][number];

/** The ids a run's creates give (strings only: any other is refused by the parse). */
function idsOf(run: readonly PushedMutation[]): string[] {
	const ids: string[] = [];
	for (const { args } of run) {
		const id = typeof args === 'object' && args !== null ? (args as { id?: unknown }).id : null;
		if (typeof id === 'string') ids.push(id);
	}
	return ids;
}

/**
 * A run of consecutive creates (the common push: requests made offline), applied as createRequest
 * would apply them one after another, but inserted together: every create is checked first,
 * against the rows stored and those planned before it in the run, then the accepted ones are
 * written with their versions taken at once. A refusal is only ever a check that failed, so each
 * result is the one the one-by-one path gives.
 */
function applyCreates(
	app: Beckon,
	user: AuthUser,
	run: readonly PushedMutation[]
): MutationResult['error'][] {
	const planned: requests.PlannedCreate[] = [];
	const pendingIds = new Set<string>();
	// Nothing a create does changes the settings: read once for the run.
	const settings = getSettings(app);
	const expiryMs = expiryMsOf(app, settings);
	// Every id the run gives, looked up at once (inserting comes after all the checks).
	const storedIds = existingRequestIds(app, idsOf(run));
	const errors = run.map((mutation) => {
		const parsed = PARSE_ARGS.createRequest.safeParse(mutation.args);
		try {
			if (!parsed.success) throw fromZodIssues(parsed.error.issues);
			const plan = requests.planCreate(app, user, parsed.data, {
				pendingIds,
				storedIds,
				settings,
				expiryMs
			});
			pendingIds.add(plan.row.id);
			planned.push(plan);
			return undefined;
		} catch (error) {
			return rejectionOf(error, 'createRequest');
		}
	});
	requests.insertPlannedCreates(app, user, planned);
	return errors;
}

/** A run of creates failed to be written: the push is rolled back and applied again, isolated. */
class RunFailed extends Error {}

/**
 * Applies a run of creates (applyCreates). Writing one should never fail, so a push does not pay
 * for a savepoint around each run (it journals every page the run's inserts touch: ≈ 9% of a
 * push of creates): a run that fails anyway throws RunFailed, and `push` rolls the whole push
 * back and applies it again `isolated`, where each run has its savepoint and one that fails
 * again goes through the one-by-one path instead.
 */
function runCreates(
	app: Beckon,
	user: AuthUser,
	run: readonly PushedMutation[],
	isolated: boolean
): MutationResult['error'][] {
	try {
		return isolated ? write(app, () => applyCreates(app, user, run)) : applyCreates(app, user, run);
	} catch (error) {
		// PostgreSQL gone or timed out: nothing to apply again here, the call fails as a whole and
		// the client retries it.
		if (isUnavailable(error)) throw error;
		if (!isolated) throw new RunFailed('a run of creates failed', { cause: error });
		log.error({ err: error }, 'sync.push: a run of creates failed; applying it one by one');
		return run.map((mutation) => runMutation(app, user, mutation.name, mutation.args));
	}
}

/** How many mutations from `start` are creates with consecutive ids: a run for runCreates. */
function createRunLength(mutations: readonly PushedMutation[], start: number): number {
	let end = start;
	while (
		end < mutations.length &&
		mutations[end].name === 'createRequest' &&
		(end === start || mutations[end].id === mutations[end - 1].id + 1)
	) {
		end += 1;
	}
	return end - start;
}

// Once per refused mutation: an applied one needs no row (it is at or below the client's
// last_mutation_id and has none), which spares a push of creates one insert in three.
const recordMutation = prepared((db) =>
	prepareSql(
		db,
		(param) => `INSERT INTO sync_mutations (client_id, mutation_id, name, ok, error, processed_at)
		 VALUES (${param()}, ${param()}, ${param()}, ${param()}, ${param()}, ${param()})`
	)
);

const advanceClient = prepared((db) =>
	prepareSql(
		db,
		(param) =>
			`UPDATE sync_clients SET last_mutation_id = ${param()}, updated_at = ${param()} WHERE client_id = ${param()}`
	)
);

export function push(app: Beckon, user: AuthUser, input: PushInput) {
	requests.requireRead(user);
	checkProtocol(input.protocolVersion);
	try {
		return applyPush(app, user, input, false);
	} catch (error) {
		if (!(error instanceof RunFailed)) throw error;
		log.error({ err: error.cause }, 'sync.push: a run of creates failed; applying the push again');
		return applyPush(app, user, input, true);
	}
}

/** A push's mutations in order, in one transaction (`isolated`: see runCreates). */
function applyPush(app: Beckon, user: AuthUser, input: PushInput, isolated: boolean) {
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
		const record = (mutation: PushedMutation, error: MutationResult['error']) => {
			if (error) {
				recordMutation(app.db).run(
					input.clientId,
					mutation.id,
					mutation.name,
					0,
					JSON.stringify(error),
					now
				);
			}
			lastMutationId = mutation.id;
			results.push(error ? { id: mutation.id, ok: false, error } : { id: mutation.id, ok: true });
		};
		const mutations = [...input.mutations].sort((a, b) => a.id - b.id);
		for (let i = 0; i < mutations.length;) {
			const mutation = mutations[i];
			if (mutation.id <= lastMutationId) {
				// Pushed before (a retry after a lost response): answer as the first time — refused
				// with the recorded reason, or applied when nothing is recorded.
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
					// Refusals recorded before they carried a reason get the one their code implies.
					...(seen?.error
						? { error: { reason: reasonOfCode(seen.error.code), ...seen.error } }
						: {})
				});
				i += 1;
				continue;
			}
			// A gap means earlier mutations are missing: stop, the client resends from there.
			if (mutation.id !== lastMutationId + 1) break;
			const creates = createRunLength(mutations, i);
			if (creates > 1) {
				const run = mutations.slice(i, i + creates);
				runCreates(app, user, run, isolated).forEach((error, k) => record(run[k], error));
				i += creates;
			} else {
				record(mutation, runMutation(app, user, mutation.name, mutation.args));
				i += 1;
			}
		}
		advanceClient(app.db).run(lastMutationId, now, input.clientId);
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

/** Ids per query when looking up earlier assignments: well under every driver's parameter limit. */
const IDS_PER_QUERY = 500;

/**
 * Of `rows` (none of which `user` can see now), those the user could see under an earlier
 * assignment. View-wide changes reset the cursor, so only a move (an assignment, a take, a
 * transfer, a fallback) takes a request out of a view between pulls: a request that was never
 * visible is no removal, and its id must not be sent. One query per 500 rows, not one per row: a
 * page of 5,000 rows another team works on costs ten queries.
 */
function earlierVisible(app: Beckon, user: AuthUser, rows: SessionRequestRow[]): string[] {
	const createdBy = new Map(rows.map((row) => [row.id, visibilityOf(row).createdBy]));
	const visible = new Set<string>();
	for (let start = 0; start < rows.length; start += IDS_PER_QUERY) {
		const ids = rows.slice(start, start + IDS_PER_QUERY).map((row) => row.id);
		const moves = app.db
			.select({ requestId: requestEvents.requestId, data: requestEvents.data })
			.from(requestEvents)
			.where(
				and(
					inArray(requestEvents.requestId, ids),
					inArray(requestEvents.type, ['assigned', 'taken', 'transferred', 'fallback'])
				)
			)
			.all();
		for (const { requestId, data } of moves) {
			const from = data.from as Assignment | undefined;
			const creator = createdBy.get(requestId) as string;
			if (from !== undefined && canSee(user, { assignment: from, createdBy: creator })) {
				visible.add(requestId);
			}
		}
	}
	return rows.filter((row) => visible.has(row.id)).map((row) => row.id);
}

/** The user's view epoch: part of every cursor, bumped when their view changes as a whole. */
export function viewEpochOf(app: Beckon, userId: string): number {
	return app.db.select().from(viewEpochs).where(eq(viewEpochs.userId, userId)).get()?.epoch ?? 0;
}

/** A poke stream's user read again, with their view epoch (for its pokes' cursors). */
export function pokeViewer(app: Beckon, userId: string): { user: AuthUser; epoch: number } | null {
	return app.db.transaction(() => {
		const user = loadAuthUser(app, userId);
		return user ? { user, epoch: viewEpochOf(app, userId) } : null;
	});
}

export const DEFAULT_PULL_PAGE = 1000;
/** Rows read per query of a pull page. */
const PULL_CHUNK = 250;
/** A pull page stops growing after this long (at least one chunk is always sent). */
export const PULL_SLICE_MS = 10;

const pageAfter = prepared((db) =>
	db
		.select()
		.from(sessionRequests)
		.where(gt(sessionRequests.version, sql.placeholder('since')))
		.orderBy(asc(sessionRequests.version))
		.limit(sql.placeholder('limit'))
		.prepare()
);

export function pull(app: Beckon, user: AuthUser, input: PullInput) {
	requests.requireRead(user);
	checkProtocol(input.protocolVersion);
	const now = app.clock();
	const limit = input.limit ?? DEFAULT_PULL_PAGE;
	// One read transaction: the page, the epoch and the mutation id are one consistent snapshot.
	return app.db.transaction(() => {
		const lastMutationId = clientRow(app, user, input.clientId)?.lastMutationId ?? 0;
		const epoch = viewEpochOf(app, user.id);
		const cursor = input.cursor ? decodeCursor(input.cursor) : null;
		// No cursor, or the user's view changed as a whole: start over from nothing.
		const reset = cursor === null || cursor.epoch !== epoch;
		const since = reset ? 0 : cursor.version;
		const changes: SessionRequest[] = [];
		const hidden: SessionRequestRow[] = [];
		// Read in chunks, and the page ends early (with `more`) once it has taken PULL_SLICE_MS:
		// a page of 5,000 rows would hold the one event loop for a quarter of a second.
		const deadline = performance.now() + PULL_SLICE_MS;
		let version = since;
		let taken = 0;
		let more: boolean;
		for (;;) {
			const want = Math.min(PULL_CHUNK, limit - taken);
			const rows = pageAfter(app.db).all({ since: version, limit: want + 1 });
			for (const row of rows.slice(0, want)) {
				if (canSee(user, visibilityOf(row))) {
					changes.push(withLinkFor(user, toSessionRequest(app, row, now)));
				} else if (!reset) hidden.push(row);
				version = row.version;
			}
			taken += Math.min(rows.length, want);
			more = rows.length > want;
			if (!more || taken >= limit || performance.now() >= deadline) break;
		}
		const deleted = earlierVisible(app, user, hidden);
		return {
			changes,
			deleted,
			cursor: encodeCursor({ version, epoch }),
			reset,
			serverTime: new Date(now).toISOString(),
			lastMutationId,
			more
		};
	});
}
