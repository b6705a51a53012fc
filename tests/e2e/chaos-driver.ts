/**
 * The chaos test's hands inside the agent app's page (tests/e2e/chaos.e2e.ts bundles this with
 * esbuild and adds it as an init script, so it is there again after every reload). It calls the
 * app's own client code — `queueMutation` (the optimistic mutators and the outbox) with the
 * signed-in user's context, what the app's forms call through the sync engine — on the app's own
 * database object, which Dexie lists among its open connections (Dexie shares one copy of itself
 * per page through `Symbol.for('Dexie')`). So the page's live queries and sync engine see each
 * change at once, as if the agent had clicked.
 */
// First: the page's CSP forbids eval, but this script starts before the page's CSP applies, so
// zod would find eval allowed when its schemas are built and fail later (hooks.client.ts turns
// the probe off for the app; this bundle has its own copy of zod).
import './chaos-jitless';
import type { AttentionEntry, BeckonDB, LocalRequest } from '../../src/lib/client/db';
import type { SignedInUser } from '../../src/lib/client/session';
import { queueMutation } from '../../src/lib/client/store';
import { DomainError } from '../../src/lib/domain/errors';
import type { Mutation, MutationContext } from '../../src/lib/sync/mutators';
import { ERROR_CODE_OF } from '../../src/lib/sync/protocol';

export interface ChaosSnapshot {
	requests: LocalRequest[];
	attention: AttentionEntry[];
	outbox: number;
	nextMutationId: number;
	clientId: string | null;
	lastSyncAt: string | null;
}

export type ChaosOutcome = { mutationId: number } | { refused: { code: string; message: string } };

export interface ChaosDriver {
	/** Whether the app has opened its database (after a reload it takes a moment). */
	ready(): boolean;
	mutate(mutation: Mutation): Promise<ChaosOutcome>;
	snapshot(): Promise<ChaosSnapshot>;
}

interface DexieStatics {
	connections: { name: string; isOpen(): boolean }[];
}

/** The app's own open database (not a second connection of ours). */
function open(): BeckonDB {
	const dexie = (globalThis as unknown as Record<symbol, DexieStatics | undefined>)[
		Symbol.for('Dexie')
	];
	const db = dexie?.connections.find((c) => c.name === 'beckon' && c.isOpen());
	if (!db) throw new Error('the app has not opened its database yet');
	return db as unknown as BeckonDB;
}

async function context(): Promise<MutationContext> {
	const user = await open().getMeta<SignedInUser>('user');
	if (!user) throw new Error('nobody is signed in on this device');
	const offset = (await open().getMeta<number>('serverOffsetMs')) ?? 0;
	return {
		userId: user.id,
		isAdmin: user.role === 'admin',
		queueIds: user.queueIds,
		now: Date.now() + offset,
		defaultExpiryMs: user.defaultExpiryMs,
		defaultLanguage: user.defaultLanguage
	};
}

const driver: ChaosDriver = {
	ready() {
		try {
			open();
			return true;
		} catch {
			return false;
		}
	},
	async mutate(mutation) {
		try {
			await queueMutation(open(), mutation, await context());
			return { mutationId: ((await open().getMeta<number>('nextMutationId')) ?? 1) - 1 };
		} catch (error) {
			if (!(error instanceof DomainError)) throw error;
			return { refused: { code: ERROR_CODE_OF[error.reason], message: error.message } };
		}
	},
	async snapshot() {
		const d = open();
		return {
			requests: await d.requests.toArray(),
			attention: await d.attention.orderBy('mutationId').toArray(),
			outbox: await d.outbox.count(),
			nextMutationId: (await d.getMeta<number>('nextMutationId')) ?? 1,
			clientId: (await d.getMeta<string>('clientId')) ?? null,
			lastSyncAt: (await d.getMeta<string>('lastSyncAt')) ?? null
		};
	}
};

(globalThis as unknown as { __chaos: ChaosDriver }).__chaos = driver;
