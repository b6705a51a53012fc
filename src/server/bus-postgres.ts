/**
 * Changes across instances on one PostgreSQL: each instance NOTIFYs what it committed and
 * LISTENs for the others', so an agent's poke stream, a link page's watch or a mail delivery loop
 * on one instance hears of a change made on another.
 *
 * - The NOTIFY is sent after the commit, on a connection of its own, never inside the write
 *   transaction: PostgreSQL serialises the commits of transactions that notify, and the write
 *   path must not pay for that.
 * - A notification carries the changes themselves (request id, who could see it before and after,
 *   users whose view changed), at most NOTIFY's 8,000 bytes each; more changes go in several.
 * - A change says only "pull" or "look again": a lost notification costs a delay, never data.
 *   When the listening connection drops, notifications sent meanwhile are lost, so on reconnect
 *   every local listener is told that anything may have changed.
 * - Live-session signalling (offers, answers, candidates), which lives in each instance's memory,
 *   travels the same way, so a request's agent and end user may be served by different
 *   instances. A message over the payload limit (offers run to kilobytes) is sent in parts.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Change, ChangeBus, InstanceRelay, RelayedSignal } from './bus';
import { log } from './log';

/** PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more. */
export const PAYLOAD_LIMIT = 7_900;

/**
 * Payloads that may wait for their NOTIFY. Past it (PostgreSQL slower than this instance's
 * commits, or the connection stalling) the waiting ones are folded into one "anything may have
 * changed", which every instance answers by looking again: memory stays bounded, and a change is
 * late, never unheard. Signalling folded away is lost; the browsers' negotiation starts over.
 */
export const MAX_QUEUED_PAYLOADS = 10_000;

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 10_000;

export type { RelayedSignal };

interface Notification {
	/** The instance that sent it: an instance ignores its own. */
	from: string;
	changes?: Change[];
	signal?: RelayedSignal;
	/** One piece of a notification too large for one. */
	part?: { id: string; index: number; count: number; text: string };
}

/** UTF-16 units per part: at most 3 bytes each in UTF-8, so a part stays under the limit. */
const PART_UNITS = 2_400;
/** Parts of a message not complete by then are dropped (their sender died mid-way). */
const PARTS_TTL_MS = 30_000;

/** Splits a notification into parts that each fit in one. */
export function partsOf(from: string, text: string, id: string): string[] {
	const count = Math.ceil(text.length / PART_UNITS);
	return Array.from({ length: count }, (_, index) =>
		JSON.stringify({
			from,
			part: { id, index, count, text: text.slice(index * PART_UNITS, (index + 1) * PART_UNITS) }
		} satisfies Notification)
	);
}

/** Splits changes into notification payloads under the limit (a long user list is cut up). */
export function payloadsOf(from: string, changes: readonly Change[], limit = PAYLOAD_LIMIT) {
	const payloads: string[] = [];
	let batch: Change[] = [];
	const encode = (list: Change[]) => JSON.stringify({ from, changes: list } satisfies Notification);
	const add = (change: Change) => {
		if (Buffer.byteLength(encode([change])) > limit) {
			const { userIds = [] } = change;
			if (userIds.length < 2) throw new Error('A change too large for one notification');
			const half = Math.ceil(userIds.length / 2);
			add({ ...change, userIds: userIds.slice(0, half) });
			add({ ...change, userIds: userIds.slice(half) });
			return;
		}
		if (batch.length > 0 && Buffer.byteLength(encode([...batch, change])) > limit) {
			payloads.push(encode(batch));
			batch = [];
		}
		batch.push(change);
	};
	for (const change of changes) add(change);
	if (batch.length > 0) payloads.push(encode(batch));
	return payloads;
}

export class PostgresChangeRelay implements InstanceRelay {
	readonly instance = randomBytes(8).toString('hex');
	#channel: string | null = null;
	#listener: pg.Client | null = null;
	/** Payloads waiting to be notified, in order; bounded (see #send). */
	#queue: string[] = [];
	/** Settles when the queue is empty again. */
	#draining: Promise<void> | null = null;
	#closed = false;
	#retryMs = RECONNECT_MIN_MS;
	#timer: NodeJS.Timeout | null = null;
	#heartbeat: NodeJS.Timeout | null = null;
	/** Changes went unannounced since the connection was last up (logged once per outage). */
	#unannounced = false;
	readonly #signalListeners = new Set<(signal: RelayedSignal) => void>();
	/** Parts received of messages sent in parts, by sender and message. */
	readonly #parts = new Map<string, { texts: string[]; received: number; at: number }>();
	#partId = 0;
	/** Settles once the first LISTEN is in place (or failed). */
	readonly ready: Promise<void>;

	constructor(
		private readonly url: string,
		/** Where other instances' changes go: this instance's bus (and its database thread). */
		private readonly bus: Pick<ChangeBus, 'deliver'>,
		private readonly options: {
			connectMs?: number;
			keepAliveMs?: number;
			/** Payloads that may wait to be notified (MAX_QUEUED_PAYLOADS). */
			maxQueued?: number;
		} = {}
	) {
		this.ready = this.#connect(false);
	}

	/** Whether the listening connection is up: while it is not, changes go unheard here. */
	get connected(): boolean {
		return this.#listener !== null;
	}

	async #connect(reconnecting: boolean): Promise<void> {
		const client = new pg.Client({
			connectionString: this.url,
			application_name: 'beckon-bus',
			connectionTimeoutMillis: this.options.connectMs ?? 5_000,
			// A network that drops packets is noticed by keepalive probes, not only at the next NOTIFY.
			keepAlive: true,
			keepAliveInitialDelayMillis: this.options.keepAliveMs ?? 10_000
		});
		client.on('error', (error) => this.#lost(client, error));
		client.on('end', () => this.#lost(client, null));
		client.on('notification', (message) => {
			if (message.channel === this.#channel && message.payload) this.#received(message.payload);
		});
		try {
			await client.connect();
			// One channel per schema: instances of one installation share it, tests' schemas don't.
			const { rows } = await client.query<{ schema: string }>('SELECT current_schema() AS schema');
			this.#channel = `beckon_changes.${rows[0].schema}`;
			await client.query(`LISTEN ${pg.escapeIdentifier(this.#channel)}`);
		} catch (error) {
			client.removeAllListeners('end');
			await client.end().catch(() => {});
			if (this.#closed) return;
			log.warn({ err: error }, 'cannot listen for other instances’ changes; retrying');
			this.#retry();
			return;
		}
		if (this.#closed) {
			await client.end().catch(() => {});
			return;
		}
		this.#listener = client;
		this.#retryMs = RECONNECT_MIN_MS;
		// Listening: from now on the HTTP server and the jobs keep a server's process alive, and
		// this connection must not keep one alive on its own (a one-shot command, a finished test).
		// (Not before: awaiting the connection is all that may keep a starting process alive.)
		(
			client as unknown as { connection?: { stream?: { unref?(): void } } }
		).connection?.stream?.unref?.();
		this.#unannounced = false;
		// A listening connection only receives: a network that silently drops packets would go
		// unnoticed (TCP keepalive gives up only after minutes), so it is asked a question now and
		// then, and dropped when the answer does not come in time.
		if (this.#heartbeat) clearInterval(this.#heartbeat);
		const every = this.options.keepAliveMs ?? 10_000;
		this.#heartbeat = setInterval(() => {
			// pg's per-query `query_timeout` (its types leave it out of QueryConfig).
			const heartbeat = { text: 'SELECT 1', query_timeout: this.options.connectMs ?? 5_000 };
			client.query(heartbeat as pg.QueryConfig).catch((error: Error) => this.#lost(client, error));
		}, every);
		this.#heartbeat.unref();
		// Whatever the others committed while this instance was not listening went unheard.
		if (reconnecting) this.bus.deliver([{ everyone: true }]);
	}

	#lost(client: pg.Client, error: Error | null) {
		if (this.#listener !== client || this.#closed) return;
		this.#listener = null;
		if (this.#heartbeat) clearInterval(this.#heartbeat);
		this.#heartbeat = null;
		log.warn({ err: error }, 'lost the connection that listens for other instances’ changes');
		// A stalled socket would make end() wait for the server's goodbye: it is cut instead.
		(
			client as unknown as { connection?: { stream?: { destroy?(): void } } }
		).connection?.stream?.destroy?.();
		void client.end().catch(() => {});
		this.#retry();
	}

	#retry() {
		if (this.#closed || this.#timer) return;
		this.#timer = setTimeout(() => {
			this.#timer = null;
			void this.#connect(true);
		}, this.#retryMs);
		this.#timer.unref();
		this.#retryMs = Math.min(this.#retryMs * 2, RECONNECT_MAX_MS);
	}

	#received(payload: string) {
		let notification: Notification;
		try {
			notification = JSON.parse(payload) as Notification;
		} catch {
			log.warn('ignored a change notification that is not JSON');
			return;
		}
		if (notification.from === this.instance) return;
		if (notification.part) {
			const whole = this.#assemble(notification.from, notification.part);
			if (whole !== null) this.#received(whole);
			return;
		}
		if (Array.isArray(notification.changes)) this.bus.deliver(notification.changes);
		if (notification.signal) {
			for (const listener of this.#signalListeners) listener(notification.signal);
		}
	}

	/** Keeps a part; returns the whole notification once its last part is in. */
	#assemble(from: string, part: NonNullable<Notification['part']>): string | null {
		const now = Date.now();
		for (const [key, pending] of this.#parts) {
			if (now - pending.at > PARTS_TTL_MS) this.#parts.delete(key);
		}
		const key = `${from}:${part.id}`;
		const pending = this.#parts.get(key) ?? { texts: [], received: 0, at: now };
		if (pending.texts[part.index] === undefined) pending.received += 1;
		pending.texts[part.index] = part.text;
		if (pending.received < part.count) {
			this.#parts.set(key, pending);
			return null;
		}
		this.#parts.delete(key);
		return pending.texts.join('');
	}

	/** Hears the signalling messages that other instances relay. */
	onSignal(listener: (signal: RelayedSignal) => void): () => void {
		this.#signalListeners.add(listener);
		return () => this.#signalListeners.delete(listener);
	}

	/** Sends a signalling message to the other instances (in parts if it must). */
	publishSignal(signal: RelayedSignal): void {
		const text = JSON.stringify({ from: this.instance, signal } satisfies Notification);
		const payloads =
			Buffer.byteLength(text) <= PAYLOAD_LIMIT
				? [text]
				: partsOf(this.instance, text, String(++this.#partId));
		this.#send(payloads);
	}

	/** Sends committed changes to the other instances, in commit order, after the commit. */
	publish(changes: readonly Change[]): void {
		// Rows stay in this instance (a notification holds 8,000 bytes): others' pokes are plain.
		const told = changes.map((change) =>
			change.written ? { ...change, written: undefined } : change
		);
		this.#send(payloadsOf(this.instance, told));
	}

	/** Notifies the payloads in order, after whatever was sent before them. */
	#send(payloads: string[]) {
		if (!this.#listener || !this.#channel) {
			if (!this.#unannounced) {
				log.warn('changes are not announced to other instances until the relay is connected');
			}
			this.#unannounced = true;
			return;
		}
		this.#queue.push(...payloads);
		if (this.#queue.length > (this.options.maxQueued ?? MAX_QUEUED_PAYLOADS)) {
			log.warn(
				{ queued: this.#queue.length },
				'changes queued faster than they can be announced: folded into one'
			);
			this.#queue = [JSON.stringify({ from: this.instance, changes: [{ everyone: true }] })];
		}
		this.#draining ??= this.#drain().finally(() => (this.#draining = null));
	}

	async #drain() {
		for (let payload = this.#queue.shift(); payload; payload = this.#queue.shift()) {
			const listener = this.#listener;
			const channel = this.#channel;
			if (!listener || !channel) {
				// Lost meanwhile: what waits goes unannounced, as changes do while the relay is down.
				this.#queue = [];
				return;
			}
			await listener
				.query('SELECT pg_notify($1, $2)', [channel, payload])
				.catch((error) => log.warn({ err: error }, 'changes not announced to other instances'));
		}
	}

	async close(): Promise<void> {
		this.#closed = true;
		if (this.#timer) clearTimeout(this.#timer);
		if (this.#heartbeat) clearInterval(this.#heartbeat);
		await this.#draining;
		const listener = this.#listener;
		this.#listener = null;
		await listener?.end().catch(() => {});
	}
}
