/**
 * The sync engine: pushes the outbox and pulls changes, on start, on reconnect, on focus, on a
 * poke from the server and on a timer with backoff. One tab per device leads (a Web Lock); the
 * others only read Dexie, which Dexie keeps live across tabs, and queue into the shared outbox.
 * The outbox is the truth: a push cut off midway is simply sent again, and the server skips what
 * it has already applied.
 */
import { liveQuery, type Subscription } from 'dexie';
import type { MutationContext, Mutation } from '../sync/mutators';
import { MAX_PUSH_BATCH, nextPush, PROTOCOL_VERSION } from '../sync/limits';
import type { Api } from './api';
import { refusalOf } from './refusal';
import type { BeckonDB, LocalRequest } from './db';
import {
	applyPoke,
	applyPull,
	applyPushResults,
	mergePullPages,
	queueMutation,
	type PokeChanges,
	type PullPage
} from './store';
import type { SignedInUser } from './session';

const PULL_PAGE = 1000;
/** Pages fetched ahead of the ones being stored, at most. */
const PULL_AHEAD = 10;
const POLL_MS = 30_000;
const MAX_BACKOFF_MS = 60_000;
const DIRECTORY_REFRESH_MS = 5 * 60_000;

type PokeWithChanges = PokeChanges & { at: string };

/** Whether a poke holds its changes (servers before them send only `{at, reason}`). */
function carriesChanges(poke: { at: string } & Partial<PokeChanges>): poke is PokeWithChanges {
	return (
		typeof poke.from === 'string' &&
		typeof poke.to === 'string' &&
		Array.isArray(poke.changes) &&
		Array.isArray(poke.deleted)
	);
}

export type SyncPhase = 'idle' | 'syncing' | 'offline' | 'error';

/** Why the last sync failed, for the app to word in its language. */
export type SyncFailure =
	| { kind: 'update_required' }
	| { kind: 'quota' }
	| { kind: 'unreachable' }
	/** The server refused it: its reason and its own words. */
	| { kind: 'refused'; reason: string | undefined; message: string };

export class SyncEngine {
	online = $state(typeof navigator === 'undefined' ? true : navigator.onLine);
	phase = $state<SyncPhase>('idle');
	pendingCount = $state(0);
	attentionCount = $state(0);
	lastSyncedAt = $state<string | null>(null);
	lastError = $state<SyncFailure | null>(null);
	/** Rows received in the current pull, while it has more pages (initial or large sync). */
	progress = $state<{ received: number; more: boolean } | null>(null);
	isLeader = $state(false);
	/** The server speaks a newer protocol: this cached app must reload before it syncs again. */
	updateRequired = $state(false);
	/** The first sync since start has ended, in success or not (the device's rows are in). */
	firstSyncEnded = $state(false);

	#db: BeckonDB;
	#api: Api;
	#user: SignedInUser;
	#onSignedOut: () => void;
	#running: Promise<void> | null = null;
	#again = false;
	#timer: ReturnType<typeof setTimeout> | undefined;
	#failures = 0;
	#stopped = false;
	#cleanups: (() => void)[] = [];
	#serverOffsetMs = 0;
	#directoryFetchedAt = 0;
	/** Pokes received with their changes, not yet applied. */
	#pokes: PokeWithChanges[] = [];
	/** A push and pull is due (not only pokes to apply). */
	#full = false;
	#screenShown = false;

	constructor(db: BeckonDB, api: Api, user: SignedInUser, onSignedOut: () => void) {
		this.#db = db;
		this.#api = api;
		this.#user = user;
		this.#onSignedOut = onSignedOut;
	}

	/** The user's queues or permission changed (seen at a session check). */
	setUser(user: SignedInUser) {
		this.#user = user;
	}

	/** Server time now, from the offset measured at the last pull. */
	now(): number {
		return Date.now() + this.#serverOffsetMs;
	}

	context(): MutationContext {
		return {
			userId: this.#user.id,
			isAdmin: this.#user.role === 'admin',
			queueIds: this.#user.queueIds,
			now: this.now(),
			defaultExpiryMs: this.#user.defaultExpiryMs,
			defaultLanguage: this.#user.defaultLanguage
		};
	}

	async start() {
		this.#serverOffsetMs = (await this.#db.getMeta<number>('serverOffsetMs')) ?? 0;
		this.lastSyncedAt = (await this.#db.getMeta<string>('lastSyncAt')) ?? null;
		this.#watchCounts();
		// Ask the browser not to evict our data under storage pressure (not honoured everywhere).
		void navigator.storage?.persist?.().catch(() => undefined);
		this.#listen(window, 'online', () => {
			this.online = true;
			// Failures while offline say nothing about the server: retry briskly from here on.
			this.#failures = 0;
			this.requestSync();
		});
		this.#listen(window, 'offline', () => {
			this.online = false;
			this.phase = 'offline';
		});
		this.#listen(document, 'visibilitychange', () => {
			if (document.visibilityState === 'visible') this.requestSync();
		});
		this.#listen(window, 'focus', () => this.requestSync());
		if (navigator.locks) {
			const released = new Promise<void>((resolve) => this.#cleanups.push(resolve));
			void navigator.locks.request(`beckon-sync-${this.#user.id}`, async () => {
				if (this.#stopped) return;
				this.#lead();
				await released;
			});
		} else {
			this.#lead();
		}
	}

	stop() {
		this.#stopped = true;
		clearTimeout(this.#timer);
		for (const cleanup of this.#cleanups.splice(0)) cleanup();
	}

	/** Applies a change locally at once and queues it for the server. */
	async mutate(mutation: Mutation): Promise<LocalRequest> {
		const local = await queueMutation(this.#db, mutation, this.context());
		this.requestSync();
		return local;
	}

	async dismissAttention(mutationId: number) {
		await this.#db.attention.delete(mutationId);
	}

	/**
	 * Runs a sync now, or once more right after the one in progress. Leader only. `pull: false`:
	 * only apply the pokes received with their changes (a pull follows if one does not fit).
	 */
	requestSync({ pull = true }: { pull?: boolean } = {}) {
		if (!this.isLeader || this.#stopped || this.updateRequired) return;
		if (pull) this.#full = true;
		if (this.#running) {
			this.#again = true;
			return;
		}
		clearTimeout(this.#timer);
		this.#running = this.#syncLoop().finally(() => {
			this.#running = null;
		});
	}

	/** Resolves when no sync is running (for callers that want fresh data). */
	async settled() {
		while (this.#running) await this.#running;
	}

	/**
	 * The first screen is up (AgentApp.afterFirstScreen): the leader listens for pokes from here
	 * on, so the tRPC client the stream needs is not loaded before the list shows (README,
	 * Performance row 7). A sync follows each start of the stream (`onStarted`), so nothing
	 * changed before it is missed.
	 */
	afterFirstScreen() {
		if (this.#screenShown) return;
		this.#screenShown = true;
		if (this.isLeader) this.#subscribePokes();
	}

	#lead() {
		this.isLeader = true;
		if (this.#screenShown) this.#subscribePokes();
		// Other tabs queue into the shared outbox: push what they add.
		const outbox = liveQuery(() => this.#db.outbox.count()).subscribe((count) => {
			if (count > 0) this.requestSync();
		});
		this.#cleanups.push(() => outbox.unsubscribe());
		this.requestSync();
	}

	#listen(target: EventTarget, type: string, handler: () => void) {
		target.addEventListener(type, handler);
		this.#cleanups.push(() => target.removeEventListener(type, handler));
	}

	#watchCounts() {
		const subscriptions: Subscription[] = [
			liveQuery(() => this.#db.outbox.count()).subscribe((n) => (this.pendingCount = n)),
			liveQuery(() => this.#db.attention.count()).subscribe((n) => (this.attentionCount = n)),
			liveQuery(() => this.#db.getMeta<string>('lastSyncAt')).subscribe(
				(at) => (this.lastSyncedAt = at ?? null)
			)
		];
		this.#cleanups.push(() => subscriptions.forEach((s) => s.unsubscribe()));
	}

	/**
	 * Listens for pokes; when the stream ends (a server restart, a proxy cutting it) or fails,
	 * subscribes again with backoff and syncs, since pokes may have been missed meanwhile.
	 */
	#subscribePokes(attempt = 0) {
		if (this.#stopped) return;
		let retry: ReturnType<typeof setTimeout> | undefined;
		const again = () => {
			subscription.unsubscribe();
			retry = setTimeout(
				() => this.#subscribePokes(attempt + 1),
				Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt)
			);
		};
		const subscription = this.#api.sync.poke.subscribe(undefined, {
			// Changes made before the stream started reached no poke.
			onStarted: () => this.requestSync(),
			onData: (poke) => {
				attempt = 0;
				// A poke that carries its changes is applied if it follows on from the cursor, with
				// no pull; one without (or from an older server) says "pull".
				if (poke.reason === 'change' && carriesChanges(poke)) {
					this.#pokes.push(poke);
					this.requestSync({ pull: false });
				} else {
					this.requestSync();
				}
			},
			onError: again,
			onComplete: again
		});
		this.#cleanups.push(() => {
			clearTimeout(retry);
			subscription.unsubscribe();
		});
	}

	async #syncLoop() {
		do {
			this.#again = false;
			try {
				// A poke that does not follow on from the cursor (one was missed, a pull moved it
				// meanwhile) leaves the device to pull, as any plain poke does.
				if (!(await this.#applyPokes())) this.#full = true;
				if (!this.#full) continue;
				this.#full = false;
				this.phase = 'syncing';
				await this.#push();
				await this.#pull();
				await this.#refreshDirectory();
				this.#failures = 0;
				this.lastError = null;
				this.phase = 'idle';
			} catch (error) {
				this.#handleFailure(error);
				break;
			}
		} while (this.#again && !this.#stopped);
		this.firstSyncEnded = true;
		this.#schedule();
	}

	#schedule() {
		if (this.#stopped || this.updateRequired) return;
		const delay =
			this.#failures === 0 ? POLL_MS : Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (this.#failures - 1));
		clearTimeout(this.#timer);
		this.#timer = setTimeout(() => this.requestSync(), delay);
	}

	#handleFailure(error: unknown) {
		const refusal = refusalOf(error);
		if (refusal?.reason === 'unauthenticated') {
			this.stop();
			this.#onSignedOut();
			return;
		}
		if (refusal?.reason === 'protocol_mismatch') {
			this.updateRequired = true;
			this.phase = 'error';
			this.lastError = { kind: 'update_required' };
			return;
		}
		this.#failures += 1;
		if (refusal === null && !navigator.onLine) {
			this.phase = 'offline';
			return;
		}
		const name = (error as { name?: string })?.name;
		this.phase = 'error';
		this.lastError =
			name === 'QuotaExceededError'
				? { kind: 'quota' }
				: refusal === null
					? { kind: 'unreachable' }
					: { kind: 'refused', reason: refusal.reason, message: (error as Error).message };
	}

	/**
	 * Applies the pokes received with their changes, in order, each only if the stored cursor is
	 * its `from` (store.ts applyPoke). False when one did not fit: the device must pull.
	 */
	async #applyPokes(): Promise<boolean> {
		let fits = true;
		for (const poke of this.#pokes.splice(0)) {
			if (fits) fits = await applyPoke(this.#db, poke, this.context());
		}
		return fits;
	}

	async #push() {
		const clientId = await this.#clientId();
		for (;;) {
			const queued = await this.#db.outbox.orderBy('id').limit(MAX_PUSH_BATCH).toArray();
			const batch = nextPush(queued);
			if (batch.length === 0) return;
			const { results, lastMutationId } = await this.#api.sync.push.mutate({
				clientId,
				protocolVersion: PROTOCOL_VERSION,
				mutations: batch.map(({ id, name, args }) => ({ id, name, args }))
			});
			await applyPushResults(this.#db, batch, results, this.context());
			// Processed ids leave the outbox at the next pull; stop when the server is behind.
			const last = batch.at(-1)?.id ?? 0;
			const drained = batch.length === queued.length && queued.length < MAX_PUSH_BATCH;
			if (lastMutationId < last || drained) return;
			// Everything in this batch is processed: move on without waiting for the pull.
			await this.#pull();
		}
	}

	/**
	 * Pulls until the server has nothing more. The next pages are fetched while the previous
	 * ones are stored (up to PULL_AHEAD pages ahead), and each store takes every page fetched
	 * meanwhile in one transaction: on a new device's first sync of many pages, the network and
	 * the server work while IndexedDB writes, and the list's live query re-reads the table once
	 * per store rather than once per page.
	 */
	async #pull() {
		const clientId = await this.#clientId();
		const fetched: PullPage[] = [];
		let fetching = true;
		let stopped = false;
		let failure: unknown = null;
		let wake: (() => void) | null = null;
		const signal = () => {
			wake?.();
			wake = null;
		};
		const waitForSignal = () => new Promise<void>((resolve) => (wake = resolve));
		const fetcher = (async () => {
			try {
				let cursor = (await this.#db.getMeta<string>('cursor')) ?? null;
				while (!stopped) {
					if (fetched.length >= PULL_AHEAD) {
						await waitForSignal();
						continue;
					}
					const page = await this.#api.sync.pull.query({
						clientId,
						protocolVersion: PROTOCOL_VERSION,
						cursor,
						limit: PULL_PAGE
					});
					fetched.push(page);
					signal();
					if (!page.more) break;
					cursor = page.cursor;
				}
			} catch (error) {
				failure = error;
			} finally {
				fetching = false;
				signal();
			}
		})();
		let received = 0;
		try {
			for (;;) {
				if (fetched.length === 0) {
					if (!fetching) break;
					await waitForSignal();
					continue;
				}
				const page = mergePullPages(fetched.splice(0));
				signal();
				this.#serverOffsetMs = Date.parse(page.serverTime) - Date.now();
				received += page.changes.length;
				this.progress = page.more || this.progress ? { received, more: page.more } : null;
				if (page.reset) this.#directoryFetchedAt = 0;
				await applyPull(this.#db, page, this.context());
			}
		} finally {
			stopped = true;
			signal();
			await fetcher;
			this.progress = null;
		}
		if (failure) throw failure;
	}

	async #refreshDirectory() {
		if (Date.now() - this.#directoryFetchedAt < DIRECTORY_REFRESH_MS) return;
		const [queues, users] = await Promise.all([
			this.#api.queues.list.query(),
			this.#api.users.directory.query()
		]);
		await this.#db.transaction('rw', [this.#db.queues, this.#db.users], async () => {
			await this.#db.queues.clear();
			await this.#db.queues.bulkPut(
				queues.map(({ id, name, memberIds }) => ({ id, name, memberIds }))
			);
			await this.#db.users.clear();
			await this.#db.users.bulkPut(users);
		});
		this.#directoryFetchedAt = Date.now();
	}

	async #clientId(): Promise<string> {
		let id = await this.#db.getMeta<string>('clientId');
		if (!id) {
			id = crypto.randomUUID();
			await this.#db.setMeta('clientId', id);
		}
		return id;
	}
}
