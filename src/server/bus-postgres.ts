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
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Change, ChangeBus, ChangeRelay } from './bus';
import { log } from './log';

/** PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more. */
export const PAYLOAD_LIMIT = 7_900;

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 10_000;

interface Notification {
	/** The instance that sent it: an instance ignores its own. */
	from: string;
	changes: Change[];
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

export class PostgresChangeRelay implements ChangeRelay {
	readonly instance = randomBytes(8).toString('hex');
	#channel: string | null = null;
	#listener: pg.Client | null = null;
	#sender: Promise<void> = Promise.resolve();
	#closed = false;
	#retryMs = RECONNECT_MIN_MS;
	#timer: NodeJS.Timeout | null = null;
	/** Changes went unannounced since the connection was last up (logged once per outage). */
	#unannounced = false;
	/** Settles once the first LISTEN is in place (or failed). */
	readonly ready: Promise<void>;

	constructor(
		private readonly url: string,
		private readonly bus: ChangeBus
	) {
		this.ready = this.#connect(false);
	}

	async #connect(reconnecting: boolean): Promise<void> {
		const client = new pg.Client({ connectionString: this.url, application_name: 'beckon-bus' });
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
		this.#unannounced = false;
		// Whatever the others committed while this instance was not listening went unheard.
		if (reconnecting) this.bus.deliver([{ everyone: true }]);
	}

	#lost(client: pg.Client, error: Error | null) {
		if (this.#listener !== client || this.#closed) return;
		this.#listener = null;
		log.warn({ err: error }, 'lost the connection that listens for other instances’ changes');
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
		if (notification.from === this.instance || !Array.isArray(notification.changes)) return;
		this.bus.deliver(notification.changes);
	}

	/** Sends committed changes to the other instances, in commit order, after the commit. */
	publish(changes: readonly Change[]): void {
		const listener = this.#listener;
		const channel = this.#channel;
		if (!listener || !channel) {
			if (!this.#unannounced) {
				log.warn('changes are not announced to other instances until the relay reconnects');
			}
			this.#unannounced = true;
			return;
		}
		const payloads = payloadsOf(this.instance, changes);
		this.#sender = this.#sender
			.then(async () => {
				for (const payload of payloads) {
					await listener.query('SELECT pg_notify($1, $2)', [channel, payload]);
				}
			})
			.catch((error) => log.warn({ err: error }, 'changes not announced to other instances'));
	}

	async close(): Promise<void> {
		this.#closed = true;
		if (this.#timer) clearTimeout(this.#timer);
		await this.#sender;
		const listener = this.#listener;
		this.#listener = null;
		await listener?.end().catch(() => {});
	}
}
