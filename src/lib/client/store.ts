/**
 * Writes to the local database: queuing a mutation (optimistic effect + outbox entry), applying
 * a pull (server state, then pending mutations re-applied on top: the rebase) and handling push
 * results. Each is one Dexie transaction, so the outbox and the rows it explains never disagree,
 * whatever happens to the tab.
 */
import type { SessionRequest } from '../domain/types';
import type { Mutation, MutationContext } from '../sync/mutators';
import type { MutationResult } from '../sync/protocol';
import { assigneeKey, type BeckonDB, type LocalRequest, type OutboxEntry } from './db';
import type * as ChangesModule from './store-changes';

export interface PullPage {
	changes: SessionRequest[];
	deleted: string[];
	cursor: string;
	reset?: boolean;
	serverTime: string;
	lastMutationId: number;
	more: boolean;
}

type Changes = typeof ChangesModule;
let mutators: Changes | null = null;
let loadingMutators: Promise<Changes> | null = null;

/**
 * The mutators (the domain plans and the mutations' argument schemas, with zod) and the writes
 * that apply them (`store-changes.ts`): loaded after the first screen (README, Performance row
 * 7), at a change or a rebase that needs them, or once the request list shows
 * (`AgentApp.afterFirstScreen`). A failed load is tried again next time.
 */
export function loadMutators(): Promise<Changes> {
	return (loadingMutators ??= import('./store-changes').then(
		(module) => (mutators = module),
		(error: unknown) => {
			loadingMutators = null;
			throw error;
		}
	));
}

/** Thrown inside a transaction whose rebase needs the mutators before they have loaded. */
class MutatorsNotLoaded extends Error {}

/**
 * Runs a transaction that may rebase pending changes: the mutators are loaded first when the
 * outbox holds any (a Dexie transaction cannot wait for an import), and should a change be
 * queued in between, the transaction is undone, they load and it runs again.
 */
async function rebasing<T>(db: BeckonDB, transaction: () => Promise<T>): Promise<T> {
	if (!mutators && (await db.outbox.count()) > 0) await loadMutators();
	try {
		return await transaction();
	} catch (error) {
		if (!(error instanceof MutatorsNotLoaded)) throw error;
		await loadMutators();
		return transaction();
	}
}

/** A request as this device shows it (the server's copy, or one with pending changes on top). */
export function toLocal(request: SessionRequest, pending: number, unsynced: boolean): LocalRequest {
	return { ...request, assignee: assigneeKey(request.assignment), pending, unsynced };
}

/**
 * Applies a change locally and queues it for the server (`store-changes.ts`, loaded first).
 * Throws (and writes nothing) when the change is illegal here, with the same error the server
 * would give.
 */
export async function queueMutation(
	db: BeckonDB,
	mutation: Mutation,
	ctx: MutationContext
): Promise<LocalRequest> {
	return (await loadMutators()).queueChange(db, mutation, ctx);
}

/**
 * The rebase of `requestIds` (`store-changes.ts`), inside a transaction that `rebasing` started:
 * nothing to do for none, and an undone transaction when the mutators have not loaded yet.
 */
function rebase(db: BeckonDB, requestIds: Set<string>, ctx: MutationContext) {
	if (requestIds.size === 0) return;
	if (!mutators) throw new MutatorsNotLoaded();
	// Its promise itself, not one more async step: Dexie keeps the transaction open across it.
	return mutators.rebase(db, requestIds, ctx);
}

/**
 * Consecutive pages of one pull as one page, so they are stored in one transaction: what the
 * last of them says of a request wins (a row changed on a later page, or taken out of view), a
 * page that starts over (`reset`) drops the pages before it, and the cursor, clock, mutation id
 * and `more` are the last page's.
 */
export function mergePullPages(pages: readonly PullPage[]): PullPage {
	const last = pages.at(-1);
	if (!last) throw new Error('no pull pages to merge');
	if (pages.length === 1) return last;
	const start = pages.findLastIndex((page) => page.reset);
	const latest = new Map<string, SessionRequest | null>();
	for (const page of pages.slice(Math.max(0, start))) {
		for (const row of page.changes) {
			latest.delete(row.id);
			latest.set(row.id, row);
		}
		for (const id of page.deleted) {
			latest.delete(id);
			latest.set(id, null);
		}
	}
	const changes: SessionRequest[] = [];
	const deleted: string[] = [];
	for (const [id, row] of latest) {
		if (row) changes.push(row);
		else deleted.push(id);
	}
	return { ...last, changes, deleted, reset: start >= 0 };
}

/** Applies one page of `sync.pull`: server rows, removals, acknowledged mutations, rebase. */
export async function applyPull(db: BeckonDB, page: PullPage, ctx: MutationContext) {
	await rebasing(db, () => db.transaction('rw', pullTables(db), () => storePage(db, page, ctx)));
}

/** What a poke carries beyond `{at, reason}` when it holds its changes (`sync.poke`). */
export interface PokeChanges {
	from: string;
	to: string;
	changes: SessionRequest[];
	deleted: string[];
}

/**
 * Applies the changes a poke carried, as a pull of versions `from` to `to` would have (one
 * transaction, the same rebase of pending mutations, the cursor moved to `to`), if the stored
 * cursor is exactly `from`; a cursor already at `to` needs nothing. Otherwise nothing is written
 * and false says "pull". A poke does not acknowledge this device's mutations: they leave the
 * outbox with the pull after their push.
 */
export async function applyPoke(
	db: BeckonDB,
	poke: PokeChanges & { at: string },
	ctx: MutationContext
): Promise<boolean> {
	return rebasing(db, () => db.transaction('rw', pullTables(db), () => storePoke(db, poke, ctx)));
}

async function storePoke(db: BeckonDB, poke: PokeChanges & { at: string }, ctx: MutationContext) {
	const cursor = await db.getMeta<string>('cursor');
	// Already there (this device's own change, pulled after its push): nothing to do.
	if (cursor === poke.to) return true;
	if (cursor !== poke.from) return false;
	const page: PullPage = {
		changes: poke.changes,
		deleted: poke.deleted,
		cursor: poke.to,
		serverTime: poke.at,
		lastMutationId: 0,
		more: false
	};
	await storePage(db, page, ctx);
	return true;
}

function pullTables(db: BeckonDB) {
	return [db.base, db.requests, db.outbox, db.meta, db.events, db.attention];
}

async function storePage(db: BeckonDB, page: PullPage, ctx: MutationContext) {
	const touched = new Set<string>();
	if (page.reset) {
		// The view changed as a whole: whatever is not in this snapshot is gone.
		const pendingIds = (await db.outbox.toArray()).map((e) => e.requestId);
		await db.base.clear();
		await db.requests.clear();
		await db.events.clear();
		pendingIds.forEach((id) => touched.add(id));
	}
	await db.base.bulkPut(page.changes);
	await db.requests.bulkPut(page.changes.map((r) => toLocal(r, 0, false)));
	if (page.deleted.length > 0) {
		await db.base.bulkDelete(page.deleted);
		await db.requests.bulkDelete(page.deleted);
		await db.events.where('requestId').anyOf(page.deleted).delete();
	}
	// An anonymised request arrives without the person's data; the timeline and refused
	// changes this device kept of it still quote them (mail events, the typed address).
	const anonymized = page.changes.filter((r) => r.anonymizedAt).map((r) => r.id);
	if (anonymized.length > 0) {
		await db.events.where('requestId').anyOf(anonymized).delete();
		await db.attention.where('requestId').anyOf(anonymized).delete();
	}
	// Acknowledged changes leave with the last page only: the rows they changed may be on a
	// page still to come (rows come in version order), and must not vanish in between.
	const acknowledged = page.more
		? []
		: await db.outbox.where('id').belowOrEqual(page.lastMutationId).toArray();
	await db.outbox.bulkDelete(acknowledged.map((e) => e.id));
	acknowledged.forEach((e) => touched.add(e.requestId));
	const stillPending = await db.outbox.toArray();
	stillPending.forEach((e) => touched.add(e.requestId));
	await rebase(db, touched, ctx);
	await db.setMeta('cursor', page.cursor);
	await db.setMeta('serverOffsetMs', Date.parse(page.serverTime) - Date.now());
	await db.setMeta('lastSyncAt', new Date().toISOString());
}

/**
 * Handles the answers to a push. Rejected mutations leave the outbox for "needs attention" and
 * their optimistic effect is rolled back; accepted ones stay until a pull confirms them, so the
 * row switches to the server's version in one step.
 */
export async function applyPushResults(
	db: BeckonDB,
	sent: OutboxEntry[],
	results: MutationResult[],
	ctx: MutationContext
) {
	const rejected = results.filter((r) => !r.ok);
	if (rejected.length === 0) return;
	// A refusal is rolled back by a rebase: the mutators are needed.
	await (await loadMutators()).storeRefusals(db, sent, rejected, ctx);
}

/** Removes everything of the signed-in user from this device (sign-out, revoked session). */
export async function wipeLocalData(db: BeckonDB) {
	await db.transaction('rw', db.tables, async () => {
		// The client id and its mutation counter go too, and only together: the server binds a
		// client id to the user who first synced with it (the next user here would be refused),
		// and a new client id starts counting at 1 again.
		for (const table of db.tables) await table.clear();
	});
}
