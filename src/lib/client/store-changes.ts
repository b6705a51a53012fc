/**
 * The local store's writes that apply mutations (store.ts): queuing a change, the rebase of
 * pending changes, refused changes moved to "needs attention". They need the mutators (the
 * domain plans and the argument schemas, with zod), so they load with them, after the first
 * screen (README, Performance row 7; `store.loadMutators`).
 */
import type { SessionRequest } from '../domain/types';
import { DomainError } from '../domain/errors';
import { applyMutation, requestIdOf, type Mutation, type MutationContext } from '../sync/mutators';
import type { MutationResult } from '../sync/protocol';
import type { BeckonDB, LocalRequest, OutboxEntry } from './db';
import { toLocal } from './store';

/**
 * Applies a change locally and queues it for the server. Throws (and writes nothing) when the
 * change is illegal here, with the same error the server would give.
 */
export async function queueChange(
	db: BeckonDB,
	mutation: Mutation,
	ctx: MutationContext
): Promise<LocalRequest> {
	return db.transaction('rw', [db.requests, db.outbox, db.meta], async () => {
		const requestId = requestIdOf(mutation);
		const current = await db.requests.get(requestId);
		const next = applyMutation(current, mutation, ctx);
		const id = (await db.getMeta<number>('nextMutationId')) ?? 1;
		await db.setMeta('nextMutationId', id + 1);
		await db.outbox.add({
			id,
			name: mutation.name,
			args: mutation.args,
			requestId,
			createdAt: new Date(ctx.now).toISOString()
		});
		const local = toLocal(next, (current?.pending ?? 0) + 1, current ? current.unsynced : true);
		await db.requests.put(local);
		return local;
	});
}

/**
 * Rebuilds the shown rows of `requestIds` from the server's copy plus the pending mutations, in
 * order. A pending mutation that no longer applies (the server's state moved on) is left for the
 * server to reject with its reason; it is skipped here.
 */
export async function rebase(db: BeckonDB, requestIds: Iterable<string>, ctx: MutationContext) {
	const ids = [...new Set(requestIds)];
	if (ids.length === 0) return;
	const pending = await db.outbox.where('requestId').anyOf(ids).sortBy('id');
	const bases = await db.base.bulkGet(ids);
	const rows: LocalRequest[] = [];
	const gone: string[] = [];
	ids.forEach((id, index) => {
		const base = bases[index];
		let state: SessionRequest | undefined = base;
		let count = 0;
		for (const entry of pending) {
			if (entry.requestId !== id) continue;
			count += 1;
			try {
				state = applyMutation(state, entry as Mutation, ctx);
			} catch (error) {
				if (!(error instanceof DomainError)) throw error;
			}
		}
		if (state) rows.push(toLocal(state, count, base === undefined));
		else gone.push(id);
	});
	await db.requests.bulkPut(rows);
	await db.requests.bulkDelete(gone);
}

export function storeRefusals(
	db: BeckonDB,
	sent: OutboxEntry[],
	rejected: MutationResult[],
	ctx: MutationContext
) {
	return db.transaction('rw', [db.base, db.requests, db.outbox, db.attention], async () => {
		const touched: string[] = [];
		for (const result of rejected) {
			const entry = sent.find((e) => e.id === result.id);
			if (!entry || !(await db.outbox.get(entry.id))) continue;
			const shown = await db.requests.get(entry.requestId);
			const args = entry.args as { recipientName?: string };
			await db.attention.put({
				mutationId: entry.id,
				name: entry.name,
				args: entry.args,
				requestId: entry.requestId,
				recipientName: shown?.recipientName ?? args.recipientName ?? '',
				error: result.error ?? {
					code: 'INTERNAL_SERVER_ERROR',
					reason: 'internal',
					message: 'Rejected'
				},
				at: new Date().toISOString()
			});
			await db.outbox.delete(entry.id);
			touched.push(entry.requestId);
		}
		await rebase(db, touched, ctx);
	});
}
