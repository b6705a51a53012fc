/**
 * The `beckon` command-line tool: serve, migrate, create users and back up the database.
 * bin/beckon.js (and the single executable's sea/entry.mjs) load the built copy of this file;
 * `serve` then starts Beckon and its HTTP server (http/server.ts) with adapter-node's handler.
 */
import { closeSync, existsSync, fsyncSync, linkSync, openSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { isMainThread, workerData } from 'node:worker_threads';
import { fromZodIssues } from '../lib/domain/errors';
import { createUserSchema } from '../lib/domain/schemas';
import { createBeckon } from './app';
import { createPrivateFile } from './data-files';
import { ConfigError, loadConfig, type Config } from './config';
import { sqliteOf } from './db';
import { DatabaseUnavailableError } from './db/postgres';
import { listen, type SvelteKitHandler } from './http/server';
import { startBeckon } from './runtime';
import { DATABASE_THREAD } from './db-thread/messages';
import { runDatabaseThread } from './db-thread/worker';
import { bootstrapAdmin, createUser, userCount } from './services/users';
import { resetTwoFactor } from './services/second-factor';
import { turnOffSso } from './services/sso-settings';
import { users } from './db/schema';
import { eq } from 'drizzle-orm';

export const USAGE = `Usage: beckon <command> [options]

Commands:
  serve                      run the server (the default): migrates, then serves app and API
  migrate                    apply database migrations and exit
  user create --email E --name N --password P --role admin|agent --permission none|view|edit
                             create a user
  user reset-two-factor --email E
                             remove the user's authenticator app and recovery codes (a lost
                             phone; recorded), so they sign in with their password again
  sso disable                turn single sign-on and "SSO only" off: passwords work again
                             (the provider down and the break-glass admin out of reach)
  backup FILE                write a consistent copy of the live SQLite database to FILE
                             (on PostgreSQL, use pg_dump)
  --version                  print the version
  --help                     print this help

Configuration comes from environment variables (PORT, HOST, BECKON_DATA_DIR, DATABASE_URL,
BECKON_PUBLIC_URL, BECKON_ADMIN_EMAIL, BECKON_ADMIN_PASSWORD, BECKON_SMTP_URL, BECKON_MAIL_FROM,
BECKON_DEFAULT_EXPIRY, BECKON_REMINDER_LEAD); see the README.`;

/** A failure to report as one line, with no stack trace. */
export class UsageError extends Error {}

export interface CliOptions {
	version: string;
	/** Loads adapter-node's `handler` (build/handler.js), which serves what is not the API. */
	loadSvelteKit: () => Promise<SvelteKitHandler>;
	log?: (line: string) => void;
	/**
	 * The module that loaded this one (bin's build/cli/cli.js, the single executable's entry): on
	 * PostgreSQL, `serve` starts its database thread from it, where it runs runDatabaseThread.
	 */
	entry?: URL;
}

/** Where the data is, for messages: the SQLite file, or PostgreSQL's host and database. */
export function describeDatabase(config: Config): string {
	if (!config.databaseUrl) return config.databaseFile;
	const url = new URL(config.databaseUrl);
	return `PostgreSQL ${url.host}${url.pathname}`;
}

function migrate(config: Config) {
	const app = createBeckon(config, { relay: false });
	app.close();
}

/**
 * A server holding many live streams allocates in bursts: every poke passes through tRPC's SSE
 * producer and web streams, once per open stream. V8's default lets the old generation then grow
 * to 2–4× what is live and rarely gives it back: with 1,000 open pokes RSS reached ≈ 480 MB for
 * ≈ 100 MB live (bench row 9). Growing it 20% at a time keeps RSS near the live size for a few
 * more major GCs. V8 reads the flag whenever it sizes the heap, so setting it at start works.
 */
function tuneHeapForLiveStreams() {
	setFlagsFromString('--heap-growing-percent=20');
}

async function serve(config: Config, options: CliOptions) {
	const log = options.log ?? console.log;
	tuneHeapForLiveStreams();
	// Migrate and bootstrap before listening, so a broken database stops the start with a clear
	// message instead of failing the first request.
	const setup = createBeckon(config, { relay: false });
	try {
		const admin = await bootstrapAdmin(setup);
		if (admin) log(`Created the admin ${admin.email} from BECKON_ADMIN_EMAIL.`);
		if (userCount(setup) === 0) {
			log(
				'No user exists yet. Create the first admin with:\n' +
					"  npx beckon user create --email you@example.com --name 'Your Name' --password '<at least 8 characters>' --role admin --permission edit\n" +
					'or start with BECKON_ADMIN_EMAIL and BECKON_ADMIN_PASSWORD set.'
			);
		}
	} finally {
		setup.close();
	}
	const app = await startBeckon({ databaseThread: options.entry ?? new URL(import.meta.url) });
	// Its import runs hooks.server.ts `init`, which finds the Beckon just started.
	const svelteKit = await options.loadSvelteKit();
	await listen(app, { host: config.host, port: config.port, svelteKit });
	const data = config.databaseUrl ? describeDatabase(config) : config.dataDir;
	log(`Beckon is running at ${config.publicUrl} (data in ${data}). Sign in there.`);
}

async function createUserCommand(config: Config, args: string[], log: (line: string) => void) {
	const { values } = parseArgs({
		args,
		options: {
			email: { type: 'string' },
			name: { type: 'string' },
			password: { type: 'string' },
			role: { type: 'string', default: 'agent' },
			permission: { type: 'string', default: 'edit' }
		},
		strict: true
	});
	const parsed = createUserSchema.safeParse(values);
	if (!parsed.success) throw new UsageError(`--${fromZodIssues(parsed.error.issues).message}`);
	const app = createBeckon(config, { relay: false });
	try {
		const user = await createUser(app, parsed.data);
		log(`Created ${user.role} ${user.email} (${user.name}) with permission ${user.permission}.`);
	} finally {
		app.close();
	}
}

/** The way back in for someone who lost their phone and codes, the last admin included. */
function resetTwoFactorCommand(config: Config, args: string[], log: (line: string) => void) {
	const { values } = parseArgs({ args, options: { email: { type: 'string' } }, strict: true });
	const email = values.email?.trim().toLowerCase();
	if (!email) throw new UsageError('--email: is required');
	const app = createBeckon(config, { relay: false });
	try {
		const user = app.db.select().from(users).where(eq(users.email, email)).get();
		if (!user) throw new UsageError(`No user with email ${email}`);
		resetTwoFactor(app, { id: 'cli' }, user.id);
		log(`Two-step sign-in of ${email} was reset: they sign in with their password.`);
	} finally {
		app.close();
	}
}

/** Single sign-on off, from the server's shell. */
function disableSsoCommand(config: Config, log: (line: string) => void) {
	const app = createBeckon(config, { relay: false });
	try {
		const wasOn = turnOffSso(app);
		log(
			wasOn
				? 'Single sign-on is off: everyone signs in with their password again.'
				: 'Single sign-on was already off; "SSO only" is off too.'
		);
	} finally {
		app.close();
	}
}

export async function backup(
	config: Config,
	file: string | undefined,
	log: (line: string) => void
) {
	if (config.databaseUrl) {
		throw new UsageError(
			'backup copies the SQLite database; with DATABASE_URL set, back up PostgreSQL with pg_dump'
		);
	}
	if (!file) throw new UsageError('backup needs a FILE to write to');
	const target = resolve(file);
	if (existsSync(target)) throw new UsageError(`${target} already exists; choose a new file`);
	if (!existsSync(dirname(target))) throw new UsageError(`${dirname(target)} does not exist`);
	// Written under another name and linked into place once complete and on disk: FILE is either
	// absent or a whole backup, never a half-written one.
	const partial = `${target}.partial-${process.pid}`;
	const app = createBeckon(config, { relay: false });
	try {
		// VACUUM INTO copies one snapshot inside one read transaction: consistent, and with WAL the
		// server keeps writing meanwhile. (SQLite's online backup API, which copies page by page,
		// starts over whenever another process writes, and under steady load never finished:
		// tests/reliability/backup.spec.ts.)
		// Created 0600 first: VACUUM INTO fills an empty file and keeps its mode.
		createPrivateFile(partial);
		sqliteOf(app.sqlite).prepare('VACUUM INTO ?').run(partial);
		const fd = openSync(partial, 'r');
		try {
			fsyncSync(fd);
		} finally {
			closeSync(fd);
		}
		linkSync(partial, target); // fails, rather than overwrite, if FILE appeared meanwhile
	} finally {
		rmSync(partial, { force: true });
		app.close();
	}
	log(`Backed up ${config.databaseFile} to ${target}.`);
}

/** Runs one command; returns the process exit code. */
export async function main(argv: string[], options: CliOptions): Promise<number> {
	const log = options.log ?? console.log;
	const [command = 'serve', ...rest] = argv;
	try {
		if (command === '--help' || command === '-h' || command === 'help') {
			log(USAGE);
			return 0;
		}
		if (command === '--version' || command === '-v') {
			log(options.version);
			return 0;
		}
		const config = loadConfig();
		switch (command) {
			case 'serve':
			case 'start':
				await serve(config, options);
				return 0;
			case 'migrate':
				migrate(config);
				log(`Database ${describeDatabase(config)} is up to date.`);
				return 0;
			case 'user':
				if (rest[0] === 'reset-two-factor') {
					resetTwoFactorCommand(config, rest.slice(1), log);
					return 0;
				}
				if (rest[0] !== 'create') {
					throw new UsageError(
						'usage: beckon user create --email E … | user reset-two-factor --email E'
					);
				}
				await createUserCommand(config, rest.slice(1), log);
				return 0;
			case 'sso':
				if (rest[0] !== 'disable') throw new UsageError('usage: beckon sso disable');
				disableSsoCommand(config, log);
				return 0;
			case 'backup':
				await backup(config, rest[0], log);
				return 0;
			default:
				throw new UsageError(`unknown command '${command}'; see beckon --help`);
		}
	} catch (error) {
		if (
			error instanceof ConfigError ||
			error instanceof UsageError ||
			error instanceof DatabaseUnavailableError
		) {
			console.error(error.message);
			return 1;
		}
		if (error instanceof Error && 'reason' in error) {
			console.error(error.message);
			return 1;
		}
		if (
			error instanceof TypeError &&
			'code' in error &&
			String(error.code).startsWith('ERR_PARSE_ARGS')
		) {
			console.error(error.message);
			return 1;
		}
		throw error;
	}
}

// Loaded as a server's database thread (db-thread/host.ts starts it from this module).
if (!isMainThread && (workerData as { role?: string } | null)?.role === DATABASE_THREAD) {
	void runDatabaseThread();
}
