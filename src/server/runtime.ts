/**
 * The running server's single Beckon, created at boot by `beckon serve` (cli.ts), or by
 * hooks.server.ts `init` under the Vite dev server. Kept on globalThis so that dev-mode module
 * reloads, and the built SvelteKit server beside the CLI's own copy of this module, share one
 * database handle and one set of jobs.
 */
import { createBeckon, type Beckon } from './app';
import { loadConfig } from './config';
import * as expiryJob from './jobs/expiry';
import * as mailDeliveryJob from './jobs/mail-delivery';
import * as pruneJob from './jobs/prune';
import * as remindersJob from './jobs/reminders';
import { hubOf } from './services/signalling';
import { bootstrapAdmin } from './services/users';
import { log } from './log';

const KEY = Symbol.for('beckon.runtime');
type Runtime = { app: Beckon; stop: () => Promise<void> };
const store = globalThis as unknown as Record<symbol, Runtime | undefined>;

export async function startBeckon(): Promise<Beckon> {
	const existing = store[KEY];
	if (existing) return existing.app;
	const app = createBeckon(loadConfig());
	// With PostgreSQL: listen for the other instances' changes before serving anyone, and keep
	// their signalling from the start (a late subscriber here gets what it missed).
	await app.relay?.ready;
	hubOf(app);
	const admin = await bootstrapAdmin(app);
	if (admin) log.info({ email: admin.email }, 'created the admin from BECKON_ADMIN_EMAIL');
	const stopJobs: Array<() => void | Promise<void>> = [
		expiryJob.start(app),
		remindersJob.start(app),
		mailDeliveryJob.start(app),
		pruneJob.start(app)
	];
	const stop = async () => {
		// Mail delivery finishes the attempt in progress, so its outcome is recorded.
		await Promise.all(stopJobs.map((stopJob) => stopJob()));
		// Fold the WAL into the database file so a copied data folder is complete.
		if (app.dialect === 'sqlite') app.sqlite.pragma('wal_checkpoint(TRUNCATE)');
		app.close();
		store[KEY] = undefined;
	};
	store[KEY] = { app, stop };
	// The HTTP server (http/server.ts) stops accepting connections on these and waits for open
	// ones: end the live streams so it need not wait for them (clients reconnect with backoff).
	for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => app.bus.close());
	// The HTTP server emits this (as adapter-node's does) once it has stopped accepting
	// connections and drained them.
	process.once('sveltekit:shutdown' as 'exit', stop);
	return app;
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
