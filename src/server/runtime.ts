/**
 * The running server's single Beckon, created at boot by `beckon serve` (cli.ts), or by
 * hooks.server.ts `init` under the Vite dev server. Kept on globalThis so that dev-mode module
 * reloads, and the built SvelteKit server beside the CLI's own copy of this module, share one
 * database handle and one set of jobs.
 */
import { createBeckon, type Beckon } from './app';
import { ChangeBus } from './bus';
import { PostgresChangeRelay } from './bus-postgres';
import { loadConfig, type Config } from './config';
import { sqliteOf } from './db';
import { DatabaseThread } from './db-thread/host';
import { startJobs } from './jobs';
import { hubOf } from './services/signalling';
import { bootstrapAdmin } from './services/users';
import { log } from './log';

const KEY = Symbol.for('beckon.runtime');
type Runtime = { app: Beckon; stop: () => Promise<void> };
const store = globalThis as unknown as Record<symbol, Runtime | undefined>;

export interface StartOptions {
	/**
	 * On PostgreSQL: run the database and the services on a database thread started from this
	 * module (the built server's entry), so that waiting on PostgreSQL never holds the thread
	 * serving HTTP (db-thread/worker.ts). Without it (the Vite dev server) they run here.
	 */
	databaseThread?: URL;
}

export async function startBeckon(options: StartOptions = {}): Promise<Beckon> {
	const existing = store[KEY];
	if (existing) return existing.app;
	const config = loadConfig();
	if (config.databaseUrl && options.databaseThread) {
		return register(await startFront(config, config.databaseUrl, options.databaseThread));
	}
	const app = createBeckon(config);
	// With PostgreSQL: listen for the other instances' changes before serving anyone, and keep
	// their signalling from the start (a late subscriber here gets what it missed).
	await app.relay?.ready;
	hubOf(app);
	const admin = await bootstrapAdmin(app);
	if (admin) log.info({ email: admin.email }, 'created the admin from BECKON_ADMIN_EMAIL');
	const stopJobs = startJobs(app);
	const stop = async () => {
		// Mail delivery finishes the attempt in progress, so its outcome is recorded.
		await stopJobs();
		// Fold the WAL into the database file so a copied data folder is complete.
		if (app.dialect === 'sqlite') sqliteOf(app.sqlite).pragma('wal_checkpoint(TRUNCATE)');
		app.close();
		store[KEY] = undefined;
	};
	return register({ app, stop });
}

function register(runtime: Runtime): Beckon {
	const { app, stop } = runtime;
	store[KEY] = runtime;
	// The HTTP server (http/server.ts) stops accepting connections on these and waits for open
	// ones: end the live streams so it need not wait for them (clients reconnect with backoff).
	for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => app.bus.close());
	// The HTTP server emits this (as adapter-node's does) once it has stopped accepting
	// connections and drained them.
	process.once('sveltekit:shutdown' as 'exit', stop);
	return app;
}

/**
 * The HTTP thread of a server on PostgreSQL: live streams, the signalling hub and the relay
 * between instances here; the database, services and jobs on the database thread.
 */
async function startFront(config: Config, url: string, entry: URL): Promise<Runtime> {
	const bus = new ChangeBus();
	let thread: DatabaseThread | null = null;
	// Other instances' changes reach this instance's streams and the thread's jobs.
	const relay = new PostgresChangeRelay(
		url,
		{
			deliver: (changes) => {
				bus.deliver(changes);
				thread?.deliver(changes);
			}
		},
		{ connectMs: config.postgres.connectMs, keepAliveMs: config.postgres.keepAliveMs }
	);
	bus.relayTo(relay);
	await relay.ready;
	const unavailable = (what: string) => () => {
		throw new Error(`${what} is on the database thread, not on the HTTP thread: use runTask`);
	};
	const app = {
		get db(): never {
			return unavailable('The database')();
		},
		get sqlite(): never {
			return unavailable('The database')();
		},
		get secret(): never {
			return unavailable('The link secret')();
		},
		get vapid(): never {
			return unavailable('The VAPID keys')();
		},
		get limits(): never {
			return unavailable('The rate limits')();
		},
		dialect: 'postgres',
		config,
		clock: Date.now,
		bus,
		relay,
		thread: null as DatabaseThread | null,
		close() {
			void relay.close();
		}
	} satisfies Omit<Beckon, 'thread'> & { thread: DatabaseThread | null };
	try {
		thread = await DatabaseThread.start({
			entry,
			timeouts: config.postgres,
			onChanges: (changes) => {
				bus.deliver(changes);
				relay.publish(changes);
			},
			onSignal: ({ requestId, from, message, agent }) =>
				hubOf(app as unknown as Beckon).publish(requestId, from, message, Date.now(), agent),
			relayConnected: () => relay.connected
		});
	} catch (error) {
		await relay.close();
		throw error;
	}
	app.thread = thread;
	const front = app as unknown as Beckon;
	// Other instances' signalling is kept from the start (a late subscriber gets what it missed).
	hubOf(front);
	const stop = async () => {
		await thread.stop();
		front.close();
		store[KEY] = undefined;
	};
	return { app: front, stop };
}

/** The running Beckon, or null before start and after shutdown. */
export function currentBeckon(): Beckon | null {
	return store[KEY]?.app ?? null;
}

export function getBeckon(): Beckon {
	const runtime = store[KEY];
	if (!runtime)
		throw new Error('Beckon has not started: neither serve nor hooks.server.ts init ran');
	return runtime.app;
}
