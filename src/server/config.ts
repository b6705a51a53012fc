/**
 * Configuration from the environment, parsed once at start. A bad value stops the start with one
 * line naming the variable; secret values are never echoed.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseDuration } from '../lib/domain/rules';
import { LANGUAGES, type Language } from '../lib/domain/types';

export interface Config {
	port: number;
	host: string;
	dataDir: string;
	databaseFile: string;
	/** PostgreSQL instead of the SQLite file, when DATABASE_URL is set. */
	databaseUrl: string | null;
	publicUrl: string;
	admin: { email: string; password: string } | null;
	smtpUrl: string | null;
	mailFrom: string;
	defaultExpiryMs: number;
	reminderLeadMs: number;
	defaultLanguage: Language;
	/**
	 * STUN/TURN servers for live sessions; none are needed on a LAN. Entries with static
	 * credentials go to agents only, never to end users (see `turn`).
	 */
	iceServers: IceServer[];
	/**
	 * Leading zero bits of the proof of work a help page's browser must find
	 * (BECKON_HELP_POW_BITS, 16: about 65,000 hashes, a second or two).
	 */
	helpPowBits: number;
	/** How long PostgreSQL may take before a call fails (see PostgresTimeouts). */
	postgres: PostgresTimeouts;
	/**
	 * A TURN server sharing a secret with Beckon (coturn's `use-auth-secret`): each session's
	 * browsers get credentials of their own that expire after `ttlMs` (turn.ts).
	 */
	turn: { urls: string[]; secret: string; ttlMs: number } | null;
	/**
	 * Web Push endpoints may be plain http and on loopback, private or link-local addresses
	 * (tests, push services inside a private network); off, they must be public https.
	 */
	pushAllowPrivate: boolean;
	/**
	 * Webhook targets on loopback, private, link-local or metadata addresses are allowed
	 * (BECKON_WEBHOOK_ALLOW_PRIVATE=1): for a receiver on the same host or network.
	 */
	webhookAllowPrivate: boolean;
}

/**
 * PostgreSQL's limits, each a BECKON_PG_* duration. A call that meets one fails with
 * SERVICE_UNAVAILABLE (503) rather than waiting on: a device keeps its changes and retries.
 */
export interface PostgresTimeouts {
	/** Opening a connection (BECKON_PG_CONNECT_TIMEOUT, 5s). */
	connectMs: number;
	/** One statement, on the server and as the client waits for it (BECKON_PG_STATEMENT_TIMEOUT, 15s). */
	statementMs: number;
	/** Waiting for a lock, the write lock included (BECKON_PG_LOCK_TIMEOUT, 10s). */
	lockMs: number;
	/** TCP keepalive: the first probe after this long idle (BECKON_PG_KEEPALIVE, 10s). */
	keepAliveMs: number;
	/**
	 * A session idle inside a transaction is ended by PostgreSQL after this long
	 * (BECKON_PG_IDLE_IN_TRANSACTION_TIMEOUT, 30s), so a stalled instance never keeps the write lock.
	 */
	idleInTransactionMs: number;
}

export const DEFAULT_POSTGRES_TIMEOUTS: PostgresTimeouts = {
	connectMs: 5_000,
	statementMs: 15_000,
	lockMs: 10_000,
	keepAliveMs: 10_000,
	idleInTransactionMs: 30_000
};

/** An RTCIceServer as browsers take it. */
export interface IceServer {
	urls: string | string[];
	username?: string;
	credential?: string;
}

export class ConfigError extends Error {
	constructor(
		readonly variable: string,
		message: string
	) {
		super(`Invalid configuration: ${variable} ${message}`);
		this.name = 'ConfigError';
	}
}

// BECKON_ICE_SERVERS may hold TURN credentials.
const SECRET_VARIABLES = new Set([
	'DATABASE_URL',
	'BECKON_ADMIN_PASSWORD',
	'BECKON_SMTP_URL',
	'BECKON_ICE_SERVERS',
	'BECKON_TURN_SECRET'
]);

const duration = z.string().refine((v) => parseDuration(v) !== null, {
	message: 'must be a duration such as 7d, 36h, 15m, 1h30m or 10s'
});

const ICE_EXAMPLE = 'e.g. [{"urls":"stun:stun.example.com:3478"}]';
const iceUrl = z.string().regex(/^(stun|stuns|turn|turns):\S+$/, {
	message: `must list stun:, stuns:, turn: or turns: URLs in "urls", ${ICE_EXAMPLE}`
});
const iceServer = z
	.strictObject(
		{
			urls: z.union([iceUrl, z.array(iceUrl).min(1)], {
				message: `needs "urls": a stun:/turn: URL or a list of them, ${ICE_EXAMPLE}`
			}),
			username: z.string().optional(),
			credential: z.string().optional()
		},
		{ message: `must be an array of {urls, username?, credential?} objects, ${ICE_EXAMPLE}` }
	)
	.refine((server) => {
		const urls = Array.isArray(server.urls) ? server.urls : [server.urls];
		return !urls.some((u) => u.startsWith('turn')) || (server.username && server.credential);
	}, 'needs "username" and "credential" for turn: and turns: URLs');
const iceServers = z
	.string()
	.transform((text, ctx) => {
		try {
			return JSON.parse(text) as unknown;
		} catch {
			ctx.addIssue({ code: 'custom', message: `must be a JSON array, ${ICE_EXAMPLE}` });
			return z.NEVER;
		}
	})
	.pipe(z.array(iceServer, { message: `must be a JSON array, ${ICE_EXAMPLE}` }));

/** A switch: 1 or true turns it on; off unless set. */
const allowFlag = z
	.enum(['0', '1', 'false', 'true'], { message: 'must be 1 (allow) or 0' })
	.default('0')
	.transform((value) => value === '1' || value === 'true');

const envSchema = z.object({
	PORT: z
		.string()
		.regex(/^\d{1,5}$/, { message: 'must be a port number' })
		.transform(Number)
		.pipe(z.number().max(65535, { message: 'must be between 0 and 65535' }))
		.default(3000),
	HOST: z.string().min(1, { message: 'must not be empty' }).default('127.0.0.1'),
	BECKON_DATA_DIR: z.string().min(1, { message: 'must not be empty' }).default('./data'),
	DATABASE_URL: z
		.url({
			protocol: /^postgres(ql)?$/,
			message: 'must be a PostgreSQL URL such as postgres://beckon:secret@db.internal:5432/beckon'
		})
		.optional(),
	BECKON_PUBLIC_URL: z
		.url({
			protocol: /^https?$/,
			message: 'must be an http(s) URL such as https://support.example.com'
		})
		.optional(),
	BECKON_ADMIN_EMAIL: z.email({ message: 'must be an email address' }).optional(),
	BECKON_ADMIN_PASSWORD: z
		.string()
		.min(8, { message: 'must be at least 8 characters' })
		.max(256, { message: 'must be at most 256 characters' })
		.optional(),
	BECKON_SMTP_URL: z
		.url({ protocol: /^smtps?$/, message: 'must be an smtp:// or smtps:// URL' })
		.optional(),
	BECKON_MAIL_FROM: z.string().min(3, { message: 'must be a sender address' }).optional(),
	BECKON_DEFAULT_EXPIRY: duration.default('7d'),
	BECKON_REMINDER_LEAD: duration.default('15m'),
	BECKON_DEFAULT_LANGUAGE: z
		.enum(LANGUAGES, { message: `must be one of ${LANGUAGES.join(', ')}` })
		.default('en'),
	BECKON_ICE_SERVERS: iceServers.default([]),
	BECKON_SSE_PING: duration.default('15s'),
	BECKON_PG_CONNECT_TIMEOUT: duration.default('5s'),
	BECKON_PG_STATEMENT_TIMEOUT: duration.default('15s'),
	BECKON_PG_LOCK_TIMEOUT: duration.default('10s'),
	BECKON_PG_KEEPALIVE: duration.default('10s'),
	BECKON_PG_IDLE_IN_TRANSACTION_TIMEOUT: duration.default('30s'),
	BECKON_TURN_URLS: z
		.string()
		.transform((v) => v.split(',').map((url) => url.trim()))
		.pipe(
			z.array(
				z.string().regex(/^turns?:\S+$/, {
					message:
						'must list turn: or turns: URLs, comma-separated, e.g. turn:turn.example.com:3478'
				})
			)
		)
		.optional(),
	BECKON_TURN_SECRET: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
	BECKON_TURN_TTL: duration.default('1h'),
	BECKON_PUSH_ALLOW_PRIVATE: allowFlag,
	BECKON_WEBHOOK_ALLOW_PRIVATE: allowFlag,
	BECKON_HELP_POW_BITS: z.coerce
		.number({ message: 'must be a number of bits' })
		.int({ message: 'must be a whole number of bits' })
		.min(0, { message: 'must be at least 0' })
		.max(32, { message: 'must be at most 32' })
		.default(16)
});

/** Empty strings count as unset, as shells and .env files often leave them. */
function withoutEmpty(env: Record<string, string | undefined>) {
	return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
	const parsed = envSchema.safeParse(withoutEmpty(env));
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		const variable = String(issue.path[0]);
		const got = SECRET_VARIABLES.has(variable) ? '' : ` (got ${JSON.stringify(env[variable])})`;
		throw new ConfigError(variable, `${issue.message}${got}`);
	}
	const e = parsed.data;
	if (Boolean(e.BECKON_ADMIN_EMAIL) !== Boolean(e.BECKON_ADMIN_PASSWORD)) {
		const missing = e.BECKON_ADMIN_EMAIL ? 'BECKON_ADMIN_PASSWORD' : 'BECKON_ADMIN_EMAIL';
		throw new ConfigError(missing, 'must be set together with the other admin variable');
	}
	if (Boolean(e.BECKON_TURN_URLS) !== Boolean(e.BECKON_TURN_SECRET)) {
		const missing = e.BECKON_TURN_URLS ? 'BECKON_TURN_SECRET' : 'BECKON_TURN_URLS';
		throw new ConfigError(missing, 'must be set together with the other TURN variable');
	}
	const displayHost = e.HOST === '0.0.0.0' || e.HOST === '::' ? 'localhost' : e.HOST;
	const publicUrl = (e.BECKON_PUBLIC_URL ?? `http://${displayHost}:${e.PORT}`).replace(/\/+$/, '');
	const dataDir = resolve(e.BECKON_DATA_DIR);
	return {
		port: e.PORT,
		host: e.HOST,
		dataDir,
		databaseFile: resolve(dataDir, 'beckon.db'),
		databaseUrl: e.DATABASE_URL ?? null,
		publicUrl,
		admin:
			e.BECKON_ADMIN_EMAIL && e.BECKON_ADMIN_PASSWORD
				? { email: e.BECKON_ADMIN_EMAIL, password: e.BECKON_ADMIN_PASSWORD }
				: null,
		smtpUrl: e.BECKON_SMTP_URL ?? null,
		mailFrom: e.BECKON_MAIL_FROM ?? `Beckon <noreply@${new URL(publicUrl).hostname}>`,
		defaultExpiryMs: parseDuration(e.BECKON_DEFAULT_EXPIRY) as number,
		reminderLeadMs: parseDuration(e.BECKON_REMINDER_LEAD) as number,
		defaultLanguage: e.BECKON_DEFAULT_LANGUAGE,
		iceServers: e.BECKON_ICE_SERVERS,
		helpPowBits: e.BECKON_HELP_POW_BITS,
		postgres: {
			connectMs: parseDuration(e.BECKON_PG_CONNECT_TIMEOUT) as number,
			statementMs: parseDuration(e.BECKON_PG_STATEMENT_TIMEOUT) as number,
			lockMs: parseDuration(e.BECKON_PG_LOCK_TIMEOUT) as number,
			keepAliveMs: parseDuration(e.BECKON_PG_KEEPALIVE) as number,
			idleInTransactionMs: parseDuration(e.BECKON_PG_IDLE_IN_TRANSACTION_TIMEOUT) as number
		},
		turn:
			e.BECKON_TURN_URLS && e.BECKON_TURN_SECRET
				? {
						urls: e.BECKON_TURN_URLS,
						secret: e.BECKON_TURN_SECRET,
						ttlMs: parseDuration(e.BECKON_TURN_TTL) as number
					}
				: null,
		pushAllowPrivate: e.BECKON_PUSH_ALLOW_PRIVATE,
		webhookAllowPrivate: e.BECKON_WEBHOOK_ALLOW_PRIVATE
	};
}
