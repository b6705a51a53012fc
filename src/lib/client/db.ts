/**
 * The agent app's local database. The UI reads only from here (live queries), so it behaves the
 * same online and offline. Versions are append-only: add a new `this.version(n)` with an upgrade
 * function, never edit an old one.
 */
import Dexie, { type EntityTable } from 'dexie';
import type { MutationName, MutationRefusal } from '../sync/protocol';
import type { Assignment, RequestEvent, SessionRequest } from '../domain/types';

/** A request as the UI shows it: the server's copy with this device's pending changes on top. */
export interface LocalRequest extends SessionRequest {
	/** Flattened assignment for indexing: `unassigned`, `agent:<id>` or `queue:<id>`. */
	assignee: string;
	/** How many of this device's changes to it the server has not confirmed yet. */
	pending: number;
	/** Created on this device and not yet on the server. */
	unsynced: boolean;
}

export interface OutboxEntry {
	/** The client's mutation id: 1, 2, 3, … in the order the agent made the changes. */
	id: number;
	name: MutationName;
	args: unknown;
	requestId: string;
	createdAt: string;
}

/** A change the server refused: shown in "needs attention" until the agent dismisses it. */
export interface AttentionEntry {
	mutationId: number;
	name: MutationName;
	args: unknown;
	requestId: string;
	recipientName: string;
	/** `reason` is missing on entries stored before refusals carried one. */
	error: Omit<MutationRefusal, 'reason'> & { reason?: MutationRefusal['reason'] };
	at: string;
}

export interface QueueEntry {
	id: string;
	name: string;
	memberIds: string[];
}

export interface DirectoryEntry {
	id: string;
	name: string;
	email: string;
	role: 'admin' | 'agent';
	active: boolean;
}

export interface MetaEntry {
	key: string;
	value: unknown;
}

export function assigneeKey(assignment: Assignment): string {
	if (assignment.kind === 'agent') return `agent:${assignment.userId}`;
	if (assignment.kind === 'queue') return `queue:${assignment.queueId}`;
	return 'unassigned';
}

/**
 * The tables and indexes of version 1 of the store. Versions are append-only: this never
 * changes, and the upgrade test opens a device's old store with it.
 */
export const STORES_V1 = {
	base: 'id',
	requests: 'id, status, createdAt, expiresAt, scheduledAt, assignee',
	outbox: 'id, requestId',
	attention: 'mutationId, requestId',
	events: 'id, requestId',
	queues: 'id',
	users: 'id',
	meta: 'key'
} as const;

export class BeckonDB extends Dexie {
	/** Mirrors the server: the last state the server sent for each request (rebase base). */
	base!: EntityTable<SessionRequest, 'id'>;
	/** What the UI shows: `base` with pending outbox mutations applied. */
	requests!: EntityTable<LocalRequest, 'id'>;
	/** Local only: mutations not yet confirmed by a pull, in order. */
	outbox!: EntityTable<OutboxEntry, 'id'>;
	/** Local only: mutations the server rejected, with its reason. */
	attention!: EntityTable<AttentionEntry, 'mutationId'>;
	/** Mirrors the server: request timelines fetched while online. */
	events!: EntityTable<RequestEvent, 'id'>;
	/** Mirrors the server: queues and the user directory. */
	queues!: EntityTable<QueueEntry, 'id'>;
	users!: EntityTable<DirectoryEntry, 'id'>;
	/** Local only: client id, signed-in user, cursor, clock offset, last sync, next mutation id. */
	meta!: EntityTable<MetaEntry, 'key'>;

	constructor(name = 'beckon') {
		super(name);
		this.version(1).stores(STORES_V1);
		// Requests gained the recipient's time zone: copies stored before it have none (null, as
		// the server reads its older rows), so every copy has the field its type promises.
		this.version(2)
			.stores({})
			.upgrade(async (tx) => {
				const withZone = (request: { timeZone?: string | null }) => {
					request.timeZone ??= null;
				};
				await tx.table('base').toCollection().modify(withZone);
				await tx.table('requests').toCollection().modify(withZone);
			});
	}

	async getMeta<T>(key: MetaKey): Promise<T | undefined> {
		return (await this.meta.get(key))?.value as T | undefined;
	}

	async setMeta(key: MetaKey, value: unknown): Promise<void> {
		await this.meta.put({ key, value });
	}
}

export type MetaKey =
	| 'clientId'
	| 'user'
	| 'cursor'
	| 'serverOffsetMs'
	| 'lastSyncAt'
	| 'nextMutationId'
	| 'settings'
	| 'notificationPreferences';
