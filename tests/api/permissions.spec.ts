/**
 * The permission matrix: every procedure × admin, agent/edit, agent/view, agent/none and
 * anonymous, plus the visibility rule (DESIGN.md §1) and the cross-site cookie guard.
 */
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadingZeroBits, powInput } from '../../src/lib/domain/help';
import { ApiClient, ApiError, expectApiError } from '../support/client';
import { makeUser, startTestServer, type TestServer } from '../support/server';
import { sseEvents, subscribe } from '../support/sse';
import { base32Decode, totp } from '../../src/server/totp';
import { SoftAuthenticator } from '../support/webauthn';

type Json = Record<string, any>;
type Caller = 'admin' | 'edit' | 'view' | 'none' | 'anonymous';
type Outcome = 'ok' | 'FORBIDDEN' | 'UNAUTHORIZED' | 'NOT_FOUND';
type Kind = 'query' | 'mutation' | 'subscription';

const CALLERS: Caller[] = ['admin', 'edit', 'view', 'none', 'anonymous'];

const ADMIN_ONLY: Record<Caller, Outcome> = {
	admin: 'ok',
	edit: 'FORBIDDEN',
	view: 'FORBIDDEN',
	none: 'FORBIDDEN',
	anonymous: 'UNAUTHORIZED'
};
const SIGNED_IN: Record<Caller, Outcome> = {
	admin: 'ok',
	edit: 'ok',
	view: 'ok',
	none: 'ok',
	anonymous: 'UNAUTHORIZED'
};
const READ: Record<Caller, Outcome> = {
	admin: 'ok',
	edit: 'ok',
	view: 'ok',
	none: 'FORBIDDEN',
	anonymous: 'UNAUTHORIZED'
};
const EDIT: Record<Caller, Outcome> = {
	admin: 'ok',
	edit: 'ok',
	view: 'FORBIDDEN',
	none: 'FORBIDDEN',
	anonymous: 'UNAUTHORIZED'
};
const PUBLIC: Record<Caller, Outcome> = {
	admin: 'ok',
	edit: 'ok',
	view: 'ok',
	none: 'ok',
	anonymous: 'ok'
};

/** The end user's token: the last path segment of the session link. */
const tokenOf = (r: { link?: string | null }) => {
	if (!r.link) throw new Error('request has no link');
	return new URL(r.link).pathname.split('/').at(-1) as string;
};

/** Reads a subscription's SSE stream up to its first data or error event. */
async function subscribeOnce(client: ApiClient, path: string, input?: unknown) {
	const abort = new AbortController();
	try {
		const body = await subscribe(client, path, input, abort.signal);
		for await (const { event, data } of sseEvents(body)) {
			if (event === 'serialized-error' && data) throw new ApiError(401, JSON.parse(data));
			if (event === 'message' && data) return JSON.parse(data);
		}
		throw new Error(`${path}: stream ended before any event`);
	} finally {
		abort.abort();
	}
}

interface Fixtures {
	server: TestServer;
	admin: ApiClient;
	endUser: ApiClient;
	target: { id: string; email: string; password: string };
	queueId: string;
	/** Each caller's own client, and a second, fresh sign-in of the caller. */
	clients: Record<Caller, ApiClient>;
	signInAgain(caller: Caller): Promise<ApiClient>;
	/** A request created by the admin, unassigned (so every agent sees it), in the given state. */
	request(state?: 'open' | 'waiting' | 'asked' | 'ready' | 'connected' | 'closed'): Promise<Json>;
}

interface Row {
	path: string;
	kind: Kind;
	expect: Record<Caller, Outcome>;
	input?: (f: Fixtures, caller: Caller) => unknown;
	/** Call with a separate, fresh session of the caller (for procedures that end a session). */
	freshSession?: boolean;
	/** What an allowed call must answer: the right rows, fields and counts for this caller. */
	returns: (got: { answer: any; input: any; f: Fixtures; me: Me }) => unknown;
}

/** The signed-in caller (`anonymous` has none: its checks do not read it). */
type Me = Awaited<ReturnType<typeof makeUser>>;

const requestId = (state: Parameters<Fixtures['request']>[0]) => async (f: Fixtures) => ({
	id: (await f.request(state)).id
});
const link =
	(state: Parameters<Fixtures['request']>[0], extra: Json = {}) =>
	async (f: Fixtures) => ({
		token: tokenOf(await f.request(state)),
		...extra
	});
const HELLO = { type: 'hello', peer: 'matrix' };
/** A queue whose help page is on (its own, so the matrix's queue row may change freely). */
const helpPage = (() => {
	let made: Promise<{ slug: string }> | undefined;
	return (f: Fixtures) =>
		(made ??= (async () => {
			const { queue } = await f.admin.mutate('queues.create', { name: 'Help desk', memberIds: [] });
			await f.admin.mutate('queues.setHelpPage', {
				id: queue.id,
				enabled: true,
				slug: 'help-desk',
				message: '',
				hours: null
			});
			return { slug: 'help-desk' };
		})());
})();
/** The proof of work, as the help page's browser solves it. */
function solve(challenge: string, bits: number): string {
	for (let n = 0; ; n++) {
		const digest = createHash('sha256')
			.update(powInput(challenge, String(n)))
			.digest();
		if (leadingZeroBits(digest) >= bits) return String(n);
	}
}
/** The same input for every caller of a row, made on first use. */
const once = (make: (f: Fixtures) => Promise<unknown>) => {
	let made: Promise<unknown> | undefined;
	return (f: Fixtures) => (made ??= make(f));
};
const inFuture = (ms: number) => new Date(Date.now() + ms).toISOString();
/** A webhook endpoint the admin made, to a port where nothing listens. */
const webhook = (f: Fixtures): Promise<Json> =>
	f.admin.mutate('webhooks.create', {
		url: 'http://127.0.0.1:9/matrix',
		events: ['request.created']
	});
/** The id of an invitation waiting in the outbox (no SMTP in these tests). */
const queuedMail = async (f: Fixtures) => {
	const r = await f.admin.mutate('requests.create', {
		recipientName: 'Mail fixture',
		recipientEmail: 'fixture@example.com',
		sendEmail: true,
		assignment: { kind: 'unassigned' }
	});
	const outbox: Json[] = await f.admin.query('mail.outbox');
	return { id: outbox.find((m) => m.requestId === r.id)?.id };
};

/** A user with a second factor, for the second step of sign-in (its recovery codes, one each). */
const withSecondFactor = once(async (f) => {
	const user = await makeUser(f.server.app, 'agent', 'edit');
	const device = new ApiClient(f.server.url);
	await device.login(user.email, user.password);
	const { secret } = await device.mutate('auth.beginTwoFactor', {});
	const { recoveryCodes } = await device.mutate('auth.confirmTwoFactor', {
		code: totp(base32Decode(secret), Date.now())
	});
	return { user, recoveryCodes };
});

/** Sets up the caller's app; answers a code of the next step (the current one is spent). */
async function enrolled(f: Fixtures, caller: Caller) {
	if (caller === 'anonymous') return { code: '000000' };
	const client = f.clients[caller];
	const { secret } = await client.mutate('auth.beginTwoFactor', {});
	await client.mutate('auth.confirmTwoFactor', { code: totp(base32Decode(secret), Date.now()) });
	return { code: totp(base32Decode(secret), Date.now() + 30_000) };
}

/** The test server's public URL (tests/support/server.ts): the passkeys' origin. */
const PAGE = { origin: 'http://127.0.0.1:1' };
/** Each caller's passkey while the passkey rows run (added by `passkeys.register`). */
const passkeyOf = new Map<Caller, { authenticator: SoftAuthenticator; userId?: string }>();

/** A user with a passkey only, for the second step's options. */
const withPasskey = once(async (f) => {
	const user = await makeUser(f.server.app, 'agent', 'edit');
	const device = new ApiClient(f.server.url);
	await device.login(user.email, user.password);
	const options = await device.mutate('passkeys.registrationOptions', {});
	await device.mutate('passkeys.register', {
		name: 'Key',
		response: new SoftAuthenticator().create(options, PAGE)
	});
	return { user };
});

/** The pending token of a password sign-in whose next step is a code (or passkey). */
async function passkeyCodeStep(f: Fixtures): Promise<string> {
	const { user } = (await withPasskey(f)) as { user: Me };
	const { secondFactor } = await new ApiClient(f.server.url).login(user.email, user.password);
	return secondFactor.pendingToken;
}

const NO_ONE_SIGNED_IN: Record<Caller, Outcome> = {
	admin: 'UNAUTHORIZED',
	edit: 'UNAUTHORIZED',
	view: 'UNAUTHORIZED',
	none: 'UNAUTHORIZED',
	anonymous: 'UNAUTHORIZED'
};

const MATRIX: Row[] = [
	{
		path: 'auth.login',
		kind: 'mutation',
		expect: PUBLIC,
		freshSession: true,
		input: (f) => ({ email: f.target.email, password: f.target.password }),
		returns: ({ answer, f }) => {
			expect(answer.user).toMatchObject({ id: f.target.id, email: f.target.email });
			expect(answer.user).not.toHaveProperty('passwordHash');
		}
	},
	{
		path: 'auth.logout',
		kind: 'mutation',
		expect: PUBLIC,
		freshSession: true,
		input: () => ({}),
		returns: ({ answer }) => expect(answer).toEqual({ ok: true })
	},
	{
		path: 'auth.verifySecondFactor',
		kind: 'mutation',
		expect: PUBLIC,
		freshSession: true,
		input: async (f, caller) => {
			const { user, recoveryCodes } = (await withSecondFactor(f)) as {
				user: Me;
				recoveryCodes: string[];
			};
			const device = new ApiClient(f.server.url);
			const { secondFactor } = await device.login(user.email, user.password);
			return {
				pendingToken: secondFactor.pendingToken,
				recoveryCode: recoveryCodes[CALLERS.indexOf(caller)]
			};
		},
		returns: async ({ answer, f }) => {
			const { user } = (await withSecondFactor(f)) as { user: Me };
			expect(answer.user).toMatchObject({ id: user.id, twoFactorEnabled: true });
		}
	},
	{
		path: 'auth.twoFactor',
		kind: 'query',
		expect: SIGNED_IN,
		returns: ({ answer }) =>
			expect(answer).toEqual({
				enabled: false,
				required: false,
				confirmedAt: null,
				recoveryCodesLeft: 0
			})
	},
	{
		path: 'auth.beginTwoFactor',
		kind: 'mutation',
		expect: SIGNED_IN,
		input: () => ({}),
		returns: ({ answer, me }) => {
			expect(answer.secret).toMatch(/^[A-Z2-7]{32}$/);
			expect(answer.otpauthUri).toContain(encodeURIComponent(me.email));
		}
	},
	{
		path: 'auth.confirmTwoFactor',
		kind: 'mutation',
		expect: SIGNED_IN,
		input: async (f, caller) => {
			if (caller === 'anonymous') return { code: '000000' };
			const { secret } = await f.clients[caller].mutate('auth.beginTwoFactor', {});
			return { code: totp(base32Decode(secret), Date.now()) };
		},
		returns: async ({ answer, f, me }) => {
			expect(answer.recoveryCodes).toHaveLength(10);
			expect(answer.user).toBeNull();
			await f.admin.mutate('users.resetTwoFactor', { id: me.id });
		}
	},
	{
		path: 'auth.disableTwoFactor',
		kind: 'mutation',
		expect: SIGNED_IN,
		input: (f, caller) => enrolled(f, caller),
		returns: async ({ answer, f, me }) => {
			expect(answer).toEqual({ ok: true });
			expect((await f.admin.query('users.list')).find((u: Json) => u.id === me.id)).toMatchObject({
				twoFactorEnabled: false
			});
		}
	},
	{
		path: 'auth.regenerateRecoveryCodes',
		kind: 'mutation',
		expect: SIGNED_IN,
		input: (f, caller) => enrolled(f, caller),
		returns: async ({ answer, f, me }) => {
			expect(answer.recoveryCodes).toHaveLength(10);
			await f.admin.mutate('users.resetTwoFactor', { id: me.id });
		}
	},
	{
		path: 'auth.sessions',
		kind: 'query',
		expect: SIGNED_IN,
		returns: ({ answer }) =>
			expect(answer.sessions.filter((s: Json) => s.current)).toEqual([
				expect.objectContaining({ address: '127.0.0.1', current: true })
			])
	},
	{
		path: 'auth.signOutSession',
		kind: 'mutation',
		expect: SIGNED_IN,
		input: async (f, caller) => {
			if (caller === 'anonymous') return { id: 'none' };
			const other = await f.signInAgain(caller);
			const [current] = (await other.query('auth.sessions')).sessions.filter(
				(s: Json) => s.current
			);
			return { id: current.id };
		},
		returns: async ({ answer, f, input }) => {
			expect(answer).toEqual({ ok: true });
			const { sessions } = await f.admin.query('auth.sessions');
			expect(sessions.map((s: Json) => s.id)).not.toContain(input.id);
		}
	},
	{
		path: 'account.setLanguage',
		kind: 'mutation',
		input: () => ({ language: 'fr' }),
		expect: SIGNED_IN,
		returns: ({ answer, me }) => expect(answer.user).toMatchObject({ id: me.id, language: 'fr' })
	},
	{
		path: 'auth.me',
		kind: 'query',
		expect: SIGNED_IN,
		returns: ({ answer, me }) =>
			expect(answer.user).toMatchObject({
				id: me.id,
				email: me.email,
				role: me.role,
				permission: me.permission
			})
	},

	{
		path: 'users.list',
		kind: 'query',
		expect: ADMIN_ONLY,
		returns: ({ answer, f, me }) => {
			const ids = answer.map((u: Json) => u.id);
			expect(ids).toEqual(expect.arrayContaining([me.id, f.target.id]));
			for (const user of answer) expect(Object.keys(user)).not.toContain('passwordHash');
		}
	},
	{
		path: 'users.directory',
		kind: 'query',
		expect: SIGNED_IN,
		returns: ({ answer, f, me }) => {
			// Colleagues' addresses are for admins only.
			expect(answer.find((u: Json) => u.id === f.target.id)).toEqual({
				id: f.target.id,
				name: expect.any(String),
				email: me.role === 'admin' ? f.target.email : '',
				role: 'agent',
				active: true
			});
		}
	},
	{
		path: 'users.create',
		kind: 'mutation',
		expect: ADMIN_ONLY,
		input: (_f, caller) => ({
			email: `made-by-${caller}@example.com`,
			name: `Made by ${caller}`,
			password: 'a long enough password',
			role: 'agent',
			permission: 'view'
		}),
		returns: ({ answer, input }) => {
			expect(answer.user).toMatchObject({
				email: input.email,
				name: input.name,
				role: 'agent',
				permission: 'view'
			});
			expect(answer.user).not.toHaveProperty('password');
		}
	},
	{
		path: 'users.update',
		kind: 'mutation',
		expect: ADMIN_ONLY,
		input: (f, caller) => ({ id: f.target.id, name: `Renamed by ${caller}` }),
		returns: ({ answer, f, input }) =>
			expect(answer.user).toMatchObject({ id: f.target.id, name: input.name })
	},

	{
		path: 'users.resetTwoFactor',
		kind: 'mutation',
		expect: ADMIN_ONLY,
		input: (f) => ({ id: f.target.id }),
		returns: ({ answer, f }) =>
			expect(answer.user).toMatchObject({ id: f.target.id, twoFactorEnabled: false })
	},
	{
		path: 'users.signOutEverywhere',
		kind: 'mutation',
		expect: ADMIN_ONLY,
		input: (f) => ({ id: f.target.id }),
		returns: ({ answer }) => expect(answer).toEqual({ signedOut: expect.any(Number) })
	},
	{
		path: 'users.accountEvents',
		kind: 'query',
		expect: ADMIN_ONLY,
		input: (f) => ({ id: f.target.id }),
		returns: ({ answer }) => expect(Array.isArray(answer.events)).toBe(true)
	},

	{
		path: 'queues.list',
		kind: 'query',
		expect: SIGNED_IN,
		returns: ({ answer, f }) => expect(answer.map((q: Json) => q.id)).toContain(f.queueId)
	},
	{
		path: 'queues.create',
		kind: 'mutation',
		expect: ADMIN_ONLY,
		input: (f, caller) => ({ name: `Queue of ${caller}`, memberIds: [f.target.id] }),
		returns: ({ answer, f, input }) =>
			expect(answer.queue).toMatchObject({ name: input.name, memberIds: [f.target.id] })
	},
	{
		path: 'queues.update',
		kind: 'mutation',
		expect: ADMIN_ONLY,
		input: (f, caller) => ({ id: f.queueId, name: `Renamed queue ${caller}` }),
		returns: ({ answer, f, input }) =>
			expect(answer.queue).toMatchObject({ id: f.queueId, name: input.name })
	},

	{
		path: 'queues.setHelpPage',
		kind: 'mutation',
		expect: ADMIN_ONLY,
		input: (f, caller) => ({
			id: f.queueId,
			enabled: true,
			slug: 'matrix',
			message: `Set by ${caller}`,
			hours: null
		}),
		returns: ({ answer, f, input }) =>
			expect(answer.queue).toMatchObject({
				id: f.queueId,
				helpPage: { enabled: true, slug: 'matrix', message: input.message, hours: null }
			})
	},

	{
		path: 'tokens.list',
		kind: 'query',
		expect: ADMIN_ONLY,
		input: once(async (f) => {
			await f.admin.mutate('tokens.create', { name: 'listed token' });
			return undefined;
		}),
		returns: ({ answer }) => {
			expect(answer.filter((t: Json) => t.name === 'listed token')).toHaveLength(1);
			for (const token of answer) {
				expect(token).toMatchObject({ id: expect.any(String), name: expect.any(String) });
				expect(token).not.toHaveProperty('token');
			}
		}
	},
	{
		path: 'tokens.create',
		kind: 'mutation',
		expect: ADMIN_ONLY,
		input: (_f, caller) => ({ name: `token of ${caller}` }),
		returns: ({ answer, input }) =>
			expect(answer).toMatchObject({
				id: expect.any(String),
				name: input.name,
				token: expect.stringMatching(/^bk_/)
			})
	},
	{
		path: 'tokens.revoke',
		kind: 'mutation',
		expect: ADMIN_ONLY,
		input: async (f, caller) => ({
			id: (await f.admin.mutate('tokens.create', { name: `to revoke by ${caller}` })).id
		}),
		returns: async ({ answer, f, input }) => {
			expect(answer).toEqual({ ok: true });
			const listed = (await f.admin.query('tokens.list')).find((t: Json) => t.id === input.id);
			expect(listed.revokedAt).toEqual(expect.any(String));
		}
	},

	{
		path: 'settings.get',
		kind: 'query',
		expect: SIGNED_IN,
		returns: ({ answer }) =>
			expect(answer).toEqual({
				organizationName: expect.any(String),
				defaultExpiry: expect.any(String),
				defaultLanguage: expect.any(String),
				reminderLead: expect.any(String),
				retentionDays: null,
				fallbackQueueId: null,
				twoFactorRequired: 'off'
			})
	},
	{
		path: 'settings.update',
		kind: 'mutation',
		expect: ADMIN_ONLY,
		input: () => ({ organizationName: 'Beckon' }),
		returns: ({ answer }) => expect(answer.organizationName).toBe('Beckon')
	},
	{
		path: 'sso.get',
		kind: 'query',
		expect: ADMIN_ONLY,
		returns: ({ answer }) => {
			expect(answer).toMatchObject({ enabled: false, hasSecret: false });
			expect(answer).not.toHaveProperty('clientSecret');
		}
	},
	{
		path: 'sso.update',
		kind: 'mutation',
		expect: ADMIN_ONLY,
		input: () => ({ label: 'Acme ID' }),
		returns: ({ answer }) => expect(answer).toMatchObject({ label: 'Acme ID', enabled: false })
	},
	{
		path: 'sso.test',
		kind: 'mutation',
		expect: ADMIN_ONLY,
		// Nothing listens on port 9 (discard): the test reports the issuer unreachable.
		input: () => ({ issuerUrl: 'http://127.0.0.1:9', clientId: 'beckon', clientSecret: 's' }),
		returns: ({ answer }) =>
			expect(answer).toMatchObject({ ok: false, reason: 'issuer_unreachable' })
	},
	{
		path: 'auth.ssoInfo',
		kind: 'query',
		expect: PUBLIC,
		returns: ({ answer }) => expect(answer).toEqual({ enabled: false, label: '', ssoOnly: false })
	},
	{
		path: 'auth.ssoEndSession',
		kind: 'query',
		expect: PUBLIC,
		returns: ({ answer }) => expect(answer).toEqual({ url: null })
	},
	{
		path: 'mail.outbox',
		kind: 'query',
		expect: ADMIN_ONLY,
		input: once(async (f) => {
			await queuedMail(f);
			return undefined;
		}),
		returns: ({ answer }) => {
			expect(answer.filter((m: Json) => m.recipient === 'fixture@example.com')).toHaveLength(1);
			for (const mail of answer)
				expect(mail).toMatchObject({
					id: expect.any(String),
					kind: expect.any(String),
					status: expect.any(String)
				});
		}
	},
	{
		path: 'mail.status',
		kind: 'query',
		expect: ADMIN_ONLY,
		returns: ({ answer }) => expect(answer).toMatchObject({ smtpConfigured: false })
	},
	{
		path: 'mail.get',
		kind: 'query',
		expect: ADMIN_ONLY,
		input: (f) => queuedMail(f),
		returns: ({ answer, input }) =>
			expect(answer).toMatchObject({
				id: input.id,
				kind: 'invitation',
				recipient: 'fixture@example.com'
			})
	},
	{
		path: 'mail.resend',
		kind: 'mutation',
		expect: ADMIN_ONLY,
		input: (f) => queuedMail(f),
		returns: ({ answer, input }) =>
			expect(answer).toMatchObject({ id: input.id, kind: 'invitation', status: 'pending' })
	},
	{
		path: 'privacy.search',
		kind: 'query',
		expect: ADMIN_ONLY,
		input: () => ({ email: 'nobody@example.com' }),
		returns: ({ answer }) =>
			expect(answer).toEqual({
				email: 'nobody@example.com',
				requests: [],
				mails: 0,
				otherEvents: 0
			})
	},
	{
		path: 'privacy.export',
		kind: 'query',
		expect: ADMIN_ONLY,
		input: () => ({ email: 'nobody@example.com' }),
		returns: ({ answer }) =>
			expect(answer).toMatchObject({
				format: 'beckon-personal-data/1',
				email: 'nobody@example.com',
				requests: []
			})
	},
	{
		path: 'privacy.erase',
		kind: 'mutation',
		expect: ADMIN_ONLY,
		input: () => ({ email: 'nobody@example.com', confirmEmail: 'nobody@example.com' }),
		returns: ({ answer }) =>
			expect(answer).toMatchObject({ email: 'nobody@example.com', requests: 0, mails: 0 })
	},

	{
		path: 'push.vapidPublicKey',
		kind: 'query',
		expect: PUBLIC,
		returns: ({ answer }) => expect(answer).toEqual({ key: expect.stringMatching(/^[\w-]{87}$/) })
	},
	{
		path: 'push.subscribe',
		kind: 'mutation',
		expect: SIGNED_IN,
		// A public address given as such: no DNS in these tests.
		input: (_f, caller) => ({
			endpoint: `https://203.0.113.10/push/${caller}`,
			keys: { p256dh: 'B'.repeat(87), auth: 'A'.repeat(22) },
			label: `Matrix ${caller}`
		}),
		returns: ({ answer, input }) =>
			expect(answer).toMatchObject({ label: input.label, service: '203.0.113.10' })
	},
	{
		path: 'push.devices',
		kind: 'query',
		expect: SIGNED_IN,
		returns: ({ answer, me }) =>
			expect(answer.map((d: Json) => d.label)).toEqual([
				`Matrix ${me.role === 'admin' ? 'admin' : me.permission}`
			])
	},
	{
		path: 'push.unsubscribe',
		kind: 'mutation',
		expect: SIGNED_IN,
		input: (_f, caller) => ({ endpoint: `https://203.0.113.10/push/${caller}` }),
		returns: ({ answer }) => expect(answer).toEqual({ ok: true })
	},
	{
		path: 'push.removeDevice',
		kind: 'mutation',
		// Signed-in callers reach the service, which finds no device of theirs by that id.
		expect: {
			...SIGNED_IN,
			admin: 'NOT_FOUND',
			edit: 'NOT_FOUND',
			view: 'NOT_FOUND',
			none: 'NOT_FOUND'
		},
		input: () => ({ id: '01890a5d-ac96-774b-bcce-b302099a8057' }),
		returns: () => undefined
	},
	{
		path: 'push.preferences',
		kind: 'query',
		expect: SIGNED_IN,
		returns: ({ answer }) =>
			expect(answer).toEqual({
				events: ['waiting', 'ready', 'declined', 'assigned', 'queued', 'due'],
				sound: false
			})
	},
	{
		path: 'push.setPreferences',
		kind: 'mutation',
		expect: SIGNED_IN,
		input: () => ({ events: ['ready', 'waiting'], sound: true }),
		returns: ({ answer }) => expect(answer).toEqual({ events: ['waiting', 'ready'], sound: true })
	},
	{
		path: 'webhooks.list',
		kind: 'query',
		expect: ADMIN_ONLY,
		returns: ({ answer }) => {
			expect(Array.isArray(answer)).toBe(true);
			for (const endpoint of answer) expect(endpoint).not.toHaveProperty('secret');
		}
	},
	{
		path: 'webhooks.create',
		kind: 'mutation',
		expect: ADMIN_ONLY,
		input: (_f, caller) => ({
			url: `http://127.0.0.1:9/hook-of-${caller}`,
			events: ['request.created']
		}),
		returns: ({ answer, input }) =>
			expect(answer).toMatchObject({
				id: expect.any(String),
				secret: expect.stringMatching(/^whsec_/),
				endpoint: { url: input.url, enabled: true }
			})
	},
	{
		path: 'webhooks.update',
		kind: 'mutation',
		expect: ADMIN_ONLY,
		input: async (f, caller) => ({ id: (await webhook(f)).id, description: `by ${caller}` }),
		returns: ({ answer, input }) =>
			expect(answer).toMatchObject({ id: input.id, description: input.description })
	},
	{
		path: 'webhooks.rotateSecret',
		kind: 'mutation',
		expect: ADMIN_ONLY,
		input: async (f) => ({ id: (await webhook(f)).id }),
		returns: ({ answer, input }) =>
			expect(answer).toMatchObject({ id: input.id, secret: expect.stringMatching(/^whsec_/) })
	},
	{
		path: 'webhooks.delete',
		kind: 'mutation',
		expect: ADMIN_ONLY,
		input: async (f) => ({ id: (await webhook(f)).id }),
		returns: async ({ answer, f, input }) => {
			expect(answer).toEqual({ ok: true });
			const listed = await f.admin.query('webhooks.list');
			expect(listed.map((e: Json) => e.id)).not.toContain(input.id);
		}
	},
	{
		path: 'webhooks.test',
		kind: 'mutation',
		expect: ADMIN_ONLY,
		input: async (f) => ({ id: (await webhook(f)).id }),
		// Nothing listens on port 9: the attempt fails, and says so.
		returns: ({ answer }) =>
			expect(answer).toMatchObject({ eventType: 'webhook.test', status: 'failed', attempts: 1 })
	},
	{
		path: 'webhooks.deliveries',
		kind: 'query',
		expect: ADMIN_ONLY,
		input: async (f) => ({ id: (await webhook(f)).id }),
		returns: ({ answer }) => expect(answer).toEqual([])
	},
	{
		path: 'reports.summary',
		kind: 'query',
		expect: READ,
		input: () => ({ from: inFuture(-86_400_000), to: inFuture(86_400_000) }),
		returns: ({ answer }) =>
			expect(answer.totals).toMatchObject({
				created: expect.any(Number),
				closed: expect.any(Number)
			})
	},

	{
		path: 'requests.create',
		kind: 'mutation',
		expect: EDIT,
		input: (_f, caller) => ({ recipientName: `Created by ${caller}` }),
		returns: ({ answer, input, me }) =>
			expect(answer).toMatchObject({
				recipientName: input.recipientName,
				status: 'open',
				createdBy: me.id,
				assignment: { kind: 'agent', userId: me.id }
			})
	},
	{
		path: 'requests.get',
		kind: 'query',
		expect: READ,
		input: requestId('open'),
		returns: ({ answer, input }) => {
			expect(answer).toMatchObject({ id: input.id, status: 'open', recipientName: 'Fixture open' });
			expect(answer.events.map((e: Json) => e.type)).toEqual(['created']);
		}
	},
	{
		path: 'requests.list',
		kind: 'query',
		expect: READ,
		input: () => ({ status: ['open'], limit: 5 }),
		returns: ({ answer }) => {
			expect(answer.items.length).toBeGreaterThan(0);
			expect(answer.items.length).toBeLessThanOrEqual(5);
			for (const item of answer.items) expect(item.status).toBe('open');
		}
	},
	{
		path: 'requests.update',
		kind: 'mutation',
		expect: EDIT,
		input: async (f, caller) => ({ ...(await requestId('open')(f)), comments: `by ${caller}` }),
		returns: ({ answer, input }) =>
			expect(answer).toMatchObject({ id: input.id, comments: input.comments })
	},
	{
		path: 'requests.assign',
		kind: 'mutation',
		expect: EDIT,
		input: async (f) => ({ ...(await requestId('open')(f)), assignment: { kind: 'me' } }),
		returns: ({ answer, input, me }) =>
			expect(answer).toMatchObject({ id: input.id, assignment: { kind: 'agent', userId: me.id } })
	},
	{
		path: 'requests.take',
		kind: 'mutation',
		expect: EDIT,
		input: requestId('open'),
		returns: ({ answer, input, me }) =>
			expect(answer).toMatchObject({ id: input.id, assignment: { kind: 'agent', userId: me.id } })
	},
	{
		path: 'requests.requestConnect',
		kind: 'mutation',
		expect: EDIT,
		input: requestId('waiting'),
		returns: ({ answer, input }) =>
			expect(answer).toMatchObject({ id: input.id, status: 'waiting', connectRequested: true })
	},
	{
		path: 'requests.start',
		kind: 'mutation',
		expect: EDIT,
		input: requestId('ready'),
		returns: ({ answer, input }) =>
			expect(answer).toMatchObject({ id: input.id, status: 'connected' })
	},
	{
		path: 'requests.end',
		kind: 'mutation',
		expect: EDIT,
		input: requestId('connected'),
		returns: ({ answer, input }) =>
			expect(answer).toMatchObject({ id: input.id, status: 'closed', closedReason: 'completed' })
	},
	{
		path: 'requests.close',
		kind: 'mutation',
		expect: EDIT,
		input: requestId('open'),
		returns: ({ answer, input }) =>
			expect(answer).toMatchObject({
				id: input.id,
				status: 'closed',
				closedReason: 'closed_by_agent'
			})
	},
	{
		path: 'requests.reopen',
		kind: 'mutation',
		expect: EDIT,
		input: requestId('closed'),
		returns: ({ answer, input }) =>
			expect(answer).toMatchObject({ id: input.id, status: 'open', link: expect.any(String) })
	},
	{
		path: 'requests.extend',
		kind: 'mutation',
		expect: EDIT,
		input: async (f) => ({ ...(await requestId('open')(f)), expiresAt: inFuture(30 * 86_400_000) }),
		returns: ({ answer, input }) =>
			expect(answer).toMatchObject({ id: input.id, expiresAt: input.expiresAt })
	},
	{
		path: 'requests.regenerateLink',
		kind: 'mutation',
		expect: EDIT,
		input: requestId('open'),
		returns: async ({ answer, f, input }) => {
			expect(answer).toMatchObject({ id: input.id, link: expect.any(String) });
			const events = (await f.admin.query('requests.get', { id: input.id })).events;
			expect(events.at(-1).type).toBe('link_regenerated');
		}
	},
	{
		path: 'requests.transfer',
		kind: 'mutation',
		expect: EDIT,
		input: async (f) => ({
			...(await requestId('open')(f)),
			to: { kind: 'queue', queueId: f.queueId },
			note: 'Over to the queue'
		}),
		returns: async ({ answer, f, input }) => {
			expect(answer).toMatchObject({ id: input.id, assignment: input.to });
			const events = (await f.admin.query('requests.get', { id: input.id })).events;
			expect(events.at(-1)).toMatchObject({ type: 'transferred', data: { note: input.note } });
		}
	},

	{
		path: 'sync.push',
		kind: 'mutation',
		expect: READ,
		input: () => ({ clientId: randomUUID(), mutations: [] }),
		returns: ({ answer }) => expect(answer).toEqual({ results: [], lastMutationId: 0 })
	},
	{
		path: 'sync.pull',
		kind: 'query',
		expect: READ,
		input: () => ({ clientId: randomUUID() }),
		returns: ({ answer }) => {
			expect(answer).toMatchObject({ reset: true, lastMutationId: 0 });
			// The fixtures are unassigned: every caller who may read sees them.
			expect(answer.changes.some((c: Json) => c.recipientName === 'Fixture open')).toBe(true);
		}
	},
	{
		path: 'sync.poke',
		kind: 'subscription',
		expect: READ,
		returns: ({ answer }) => expect(answer).toMatchObject({ reason: 'connected' })
	},

	{
		path: 'help.get',
		kind: 'query',
		expect: PUBLIC,
		input: helpPage,
		returns: ({ answer }) =>
			expect(answer).toMatchObject({ queueName: expect.any(String), open: true })
	},
	{
		path: 'help.challenge',
		kind: 'mutation',
		expect: PUBLIC,
		input: helpPage,
		returns: ({ answer }) =>
			expect(answer).toMatchObject({ challenge: expect.any(String), difficulty: 16 })
	},
	{
		path: 'help.ask',
		kind: 'mutation',
		expect: PUBLIC,
		input: async (f, caller) => {
			const { slug } = await helpPage(f);
			const { challenge, difficulty } = await f.endUser.mutate('help.challenge', { slug });
			return {
				slug,
				name: `Asker ${caller}`,
				email: `asker-${caller}@example.org`,
				problem: 'Nothing works',
				language: 'en',
				challenge,
				solution: solve(challenge, difficulty)
			};
		},
		returns: async ({ answer, f, input }) => {
			const request = await f.admin.query('requests.get', { id: answer.requestId });
			expect(request).toMatchObject({
				recipientName: input.name,
				status: 'waiting',
				source: 'help_page',
				assignment: { kind: 'queue' }
			});
		}
	},

	{
		path: 'link.get',
		kind: 'query',
		expect: PUBLIC,
		input: link('open'),
		returns: ({ answer }) => {
			expect(answer).toMatchObject({ status: 'open', recipientName: 'Fixture open' });
			expect(answer).not.toHaveProperty('id');
		}
	},
	{
		path: 'link.open',
		kind: 'mutation',
		expect: PUBLIC,
		input: link('open'),
		returns: ({ answer }) => expect(answer).toMatchObject({ status: 'waiting' })
	},
	{
		path: 'link.respond',
		kind: 'mutation',
		expect: PUBLIC,
		input: link('asked', { decision: 'allow' }),
		returns: ({ answer }) => expect(answer).toMatchObject({ status: 'ready' })
	},
	{
		path: 'link.decline',
		kind: 'mutation',
		expect: PUBLIC,
		input: link('open'),
		returns: ({ answer }) => expect(answer).toMatchObject({ status: 'closed' })
	},
	{
		path: 'link.watch',
		kind: 'subscription',
		expect: PUBLIC,
		input: link('open'),
		returns: ({ answer }) =>
			expect(answer).toMatchObject({ status: 'open', recipientName: 'Fixture open' })
	},
	{
		path: 'link.end',
		kind: 'mutation',
		expect: PUBLIC,
		input: link('connected'),
		returns: ({ answer }) => expect(answer).toMatchObject({ status: 'closed' })
	},
	// One session serves every caller of a row: link calls share a per-address budget.
	{
		path: 'link.session',
		kind: 'query',
		expect: PUBLIC,
		input: once(link('ready')),
		returns: ({ answer }) => expect(answer).toEqual({ iceServers: expect.any(Array) })
	},
	{
		path: 'link.signal',
		kind: 'mutation',
		expect: PUBLIC,
		input: once(link('ready', { message: HELLO })),
		returns: ({ answer }) => expect(answer).toEqual({ ok: true })
	},
	{
		path: 'link.signals',
		kind: 'subscription',
		expect: PUBLIC,
		input: once(async (f) => {
			const r = await f.request('ready');
			await f.admin.mutate('requests.signal', { id: r.id, message: HELLO });
			return { token: tokenOf(r) };
		}),
		returns: ({ answer }) => expect(answer).toMatchObject({ from: 'agent', message: HELLO })
	},

	// The live session is for the assigned agent or an admin: the fixtures are unassigned.
	{
		path: 'requests.session',
		kind: 'query',
		expect: ADMIN_ONLY,
		input: once(requestId('ready')),
		returns: ({ answer }) => expect(answer).toEqual({ iceServers: expect.any(Array) })
	},
	{
		path: 'requests.signal',
		kind: 'mutation',
		expect: ADMIN_ONLY,
		input: once(async (f) => ({ ...(await requestId('ready')(f)), message: HELLO })),
		returns: ({ answer }) => expect(answer).toEqual({ ok: true })
	},
	{
		path: 'requests.signals',
		kind: 'subscription',
		expect: ADMIN_ONLY,
		input: once(async (f) => {
			const r = await f.request('ready');
			await f.endUser.mutate('link.signal', { token: tokenOf(r), message: HELLO });
			return { id: r.id };
		}),
		returns: ({ answer }) => expect(answer).toMatchObject({ from: 'end_user', message: HELLO })
	},
	// The passkey rows, in this order: each caller adds a passkey, which the last row removes
	// (a passkey is a second factor, and the other rows sign the callers in with a password).
	{
		path: 'passkeys.list',
		kind: 'query',
		expect: SIGNED_IN,
		returns: ({ answer }) => expect(answer).toEqual({ passkeys: [] })
	},
	{
		path: 'passkeys.registrationOptions',
		kind: 'mutation',
		expect: SIGNED_IN,
		input: () => ({}),
		returns: ({ answer, me }) => {
			expect(answer.rp).toEqual({ name: 'Beckon', id: '127.0.0.1' });
			expect(answer.user.name).toBe(me.email);
			expect(answer.challenge).toMatch(/^[\w-]{43}$/);
		}
	},
	{
		path: 'passkeys.register',
		kind: 'mutation',
		expect: SIGNED_IN,
		input: async (f, caller) => {
			const authenticator = new SoftAuthenticator();
			passkeyOf.set(caller, { authenticator });
			const client = caller === 'anonymous' ? f.clients.admin : f.clients[caller];
			const options = await client.mutate('passkeys.registrationOptions', {});
			return { name: `Key of ${caller}`, response: authenticator.create(options, PAGE) };
		},
		returns: ({ answer, input, me }) => {
			expect(answer.passkey).toEqual({
				id: input.response.id,
				name: input.name,
				createdAt: expect.stringMatching(/Z$/),
				lastUsedAt: null,
				backedUp: false
			});
			for (const held of passkeyOf.values()) {
				if (held.authenticator.id === answer.passkey.id) held.userId = me.id;
			}
		}
	},
	{
		path: 'passkeys.rename',
		kind: 'mutation',
		expect: SIGNED_IN,
		input: (_f, caller) => ({
			id: passkeyOf.get(caller)?.authenticator.id ?? 'none',
			name: `Renamed by ${caller}`
		}),
		returns: ({ answer, input }) =>
			expect(answer.passkey).toMatchObject({ id: input.id, name: input.name })
	},
	{
		path: 'auth.passkeyOptions',
		kind: 'mutation',
		expect: PUBLIC,
		input: () => ({}),
		returns: ({ answer }) =>
			expect(answer).toMatchObject({ rpId: '127.0.0.1', userVerification: 'required' })
	},
	{
		path: 'auth.passkeySignIn',
		kind: 'mutation',
		expect: PUBLIC,
		freshSession: true,
		input: async (f, caller) => {
			const held = passkeyOf.get(caller === 'anonymous' ? 'admin' : caller)!;
			const options = await new ApiClient(f.server.url).mutate('auth.passkeyOptions', {});
			return { response: held.authenticator.get(options, PAGE) };
		},
		returns: ({ answer, input }) => {
			const owner = [...passkeyOf.values()].find(
				(held) => held.authenticator.id === input.response.id
			);
			expect(answer.user.id).toBe(owner?.userId);
		}
	},
	{
		path: 'auth.passkeySecondFactorOptions',
		kind: 'mutation',
		expect: PUBLIC,
		input: async (f) => {
			const { user } = (await withPasskey(f)) as { user: Me };
			const { secondFactor } = await new ApiClient(f.server.url).login(user.email, user.password);
			expect(secondFactor.methods).toEqual(['passkey']);
			return { pendingToken: secondFactor.pendingToken };
		},
		returns: ({ answer }) => expect(answer.allowCredentials).toHaveLength(1)
	},
	// Enrolling a passkey at sign-in takes an `enrol` step's token (tests/api/passkeys.spec.ts):
	// a `code` step's, whoever sends it, opens nothing.
	{
		path: 'auth.enrolPasskeyOptions',
		kind: 'mutation',
		expect: NO_ONE_SIGNED_IN,
		input: async (f) => ({ pendingToken: await passkeyCodeStep(f) }),
		returns: () => undefined
	},
	{
		path: 'auth.enrolPasskey',
		kind: 'mutation',
		expect: NO_ONE_SIGNED_IN,
		input: async (f) => ({
			pendingToken: await passkeyCodeStep(f),
			name: 'Key',
			response: new SoftAuthenticator().create(
				{ challenge: 'none', rp: { id: '127.0.0.1' }, user: { id: 'none' } },
				PAGE
			)
		}),
		returns: () => undefined
	},
	{
		path: 'passkeys.remove',
		kind: 'mutation',
		expect: SIGNED_IN,
		input: (_f, caller) => ({ id: passkeyOf.get(caller)?.authenticator.id ?? 'none' }),
		returns: async ({ answer, f, me }) => {
			expect(answer).toEqual({ ok: true });
			const caller = [...passkeyOf.keys()].find((c) => passkeyOf.get(c)?.userId === me.id);
			expect(caller).toBeDefined();
			expect((await f.clients[caller!].query('passkeys.list')).passkeys).toEqual([]);
		}
	},

	// A second agent in the session (the fixtures are unassigned: only an admin runs them). Each
	// row makes as few connected requests as it can: they cost link calls from one address.
	{
		path: 'requests.inviteToSession',
		kind: 'mutation',
		expect: ADMIN_ONLY,
		input: once(async (f) => ({ ...(await requestId('connected')(f)), userId: f.target.id })),
		returns: ({ answer, f }) =>
			expect(answer.guests.map((g: Json) => g.userId)).toEqual([f.target.id])
	},
	{
		path: 'requests.sessionParticipants',
		kind: 'query',
		expect: ADMIN_ONLY,
		input: once(requestId('connected')),
		returns: ({ answer }) => expect(answer).toEqual({ owner: null, guests: [] })
	},
	{
		path: 'requests.sessionInvites',
		kind: 'query',
		expect: EDIT,
		returns: ({ answer }) => expect(answer).toEqual({ invites: [] })
	},
	{
		path: 'requests.handOverSession',
		kind: 'mutation',
		expect: ADMIN_ONLY,
		// The admin's call hands its request over; the refused callers share another.
		input: (() => {
			const invited = async (f: Fixtures) => {
				const { id } = await requestId('connected')(f);
				await f.admin.mutate('requests.inviteToSession', { id, userId: f.target.id });
				return { id, userId: f.target.id };
			};
			const shared = once(invited);
			return (f: Fixtures, caller: Caller) => (caller === 'admin' ? invited(f) : shared(f));
		})(),
		returns: ({ answer, f }) =>
			expect(answer.assignment).toEqual({ kind: 'agent', userId: f.target.id })
	},
	{
		path: 'link.removeAgent',
		kind: 'mutation',
		expect: PUBLIC,
		// One session; each caller removes a colleague invited for them.
		input: (() => {
			const session = once((f) => f.request('connected'));
			return async (f: Fixtures) => {
				const r = (await session(f)) as Json;
				const colleague = await makeUser(f.server.app, 'agent', 'edit');
				await f.admin.mutate('requests.inviteToSession', { id: r.id, userId: colleague.id });
				return { token: tokenOf(r), userId: colleague.id };
			};
		})(),
		returns: ({ answer }) => expect(answer).toEqual({ ok: true })
	}
];

describe('permission matrix', () => {
	let server: TestServer;
	let fixtures: Fixtures;
	const users = {} as Record<Exclude<Caller, 'anonymous'>, Me>;
	const clients = {} as Record<Caller, ApiClient>;

	async function clientFor(caller: Caller, fresh: boolean) {
		if (!fresh) return clients[caller];
		const client = new ApiClient(server.url);
		if (caller !== 'anonymous') await client.login(users[caller].email, users[caller].password);
		return client;
	}

	beforeAll(async () => {
		server = await startTestServer({ env: { BECKON_WEBHOOK_ALLOW_PRIVATE: '1' } });
		users.admin = await makeUser(server.app, 'admin', 'edit');
		users.edit = await makeUser(server.app, 'agent', 'edit');
		users.view = await makeUser(server.app, 'agent', 'view');
		users.none = await makeUser(server.app, 'agent', 'none');
		const target = await makeUser(server.app, 'agent', 'edit');
		for (const caller of CALLERS) clients[caller] = await clientFor(caller, true);
		const admin = clients.admin;
		const endUser = new ApiClient(server.url);
		const { queue } = await admin.mutate('queues.create', { name: 'Matrix', memberIds: [] });
		fixtures = {
			server,
			clients,
			signInAgain: (caller) => clientFor(caller, true),
			admin,
			endUser,
			target,
			queueId: queue.id,
			async request(state = 'open') {
				let r = await admin.mutate('requests.create', {
					recipientName: `Fixture ${state}`,
					assignment: { kind: 'unassigned' }
				});
				const token = tokenOf(r);
				const steps = ['open', 'waiting', 'asked', 'ready', 'connected'];
				const reach = steps.indexOf(state);
				if (reach >= 1) await endUser.mutate('link.open', { token });
				if (reach >= 2) await admin.mutate('requests.requestConnect', { id: r.id });
				if (reach >= 3) await endUser.mutate('link.respond', { token, decision: 'allow' });
				if (reach >= 4) r = await admin.mutate('requests.start', { id: r.id });
				if (state === 'closed') r = await admin.mutate('requests.close', { id: r.id });
				return admin.query('requests.get', { id: r.id });
			}
		};
	});
	afterAll(() => server.close());

	it('covers every procedure of the router', async () => {
		const { appRouter } = await import('../../src/server/trpc/_app');
		const procedures = Object.keys(appRouter._def.procedures).sort();
		expect(MATRIX.map((r) => r.path).sort()).toEqual(procedures);
	});

	describe.each(MATRIX)('$path', (row) => {
		it.each(CALLERS)('%s', async (caller) => {
			const expected = row.expect[caller];
			const client = await clientFor(caller, row.freshSession ?? false);
			const input = row.input ? await row.input(fixtures, caller) : undefined;
			const call =
				row.kind === 'query'
					? client.query(row.path, input)
					: row.kind === 'mutation'
						? client.mutate(row.path, input)
						: subscribeOnce(client, row.path, input);
			if (expected === 'ok') {
				const answer = await call;
				const me = caller === 'anonymous' ? ({} as Me) : users[caller];
				await row.returns({ answer, input, f: fixtures, me });
			} else {
				await expectApiError(call, expected);
			}
		});
	});

	it('refusals write nothing', async () => {
		const before = server.app.sqlite
			.prepare(
				'select (select count(*) from session_requests) r, (select count(*) from request_events) e'
			)
			.get();
		const r = await fixtures.request('open');
		const after = server.app.sqlite
			.prepare(
				'select (select count(*) from session_requests) r, (select count(*) from request_events) e'
			)
			.get() as { r: number; e: number };
		for (const caller of ['view', 'none', 'anonymous'] as const) {
			const client = clients[caller];
			await expectApiError(
				client.mutate('requests.create', { recipientName: 'Nope' }),
				caller === 'anonymous' ? 'UNAUTHORIZED' : 'FORBIDDEN'
			);
			await expectApiError(
				client.mutate('requests.close', { id: r.id }),
				caller === 'anonymous' ? 'UNAUTHORIZED' : 'FORBIDDEN'
			);
		}
		expect(
			server.app.sqlite
				.prepare(
					'select (select count(*) from session_requests) r, (select count(*) from request_events) e'
				)
				.get()
		).toEqual(after);
		expect(before).not.toEqual(after);
		expect((await fixtures.admin.query('requests.get', { id: r.id })).status).toBe('open');
	});

	it('a deactivated user is signed out at once', async () => {
		const user = await makeUser(server.app, 'agent', 'edit');
		const client = new ApiClient(server.url);
		await client.login(user.email, user.password);
		await fixtures.admin.mutate('users.update', { id: user.id, active: false });
		await expectApiError(client.query('auth.me'), 'UNAUTHORIZED');
		await expectApiError(
			new ApiClient(server.url).login(user.email, user.password),
			'UNAUTHORIZED'
		);
	});

	it("the directory gives agents names, not colleagues' emails; admins get every email", async () => {
		const agentView = (await clients.edit.query('users.directory')) as Json[];
		const adminView = (await clients.admin.query('users.directory')) as Json[];
		expect(agentView.map((u) => u.id)).toEqual(adminView.map((u) => u.id));
		const self = agentView.find((u) => u.email === users.edit.email);
		expect(self).toBeDefined();
		const others = agentView.filter((u) => u !== self);
		expect(others.length).toBeGreaterThanOrEqual(4);
		for (const other of others) {
			expect(other.email).toBe('');
			expect(other.name).not.toBe('');
		}
		expect(adminView.map((u) => u.email)).toContain(users.admin.email);
		expect(adminView.every((u) => u.email.includes('@'))).toBe(true);
	});

	it('a permission change applies to the next call of an existing session', async () => {
		const user = await makeUser(server.app, 'agent', 'edit');
		const client = new ApiClient(server.url);
		await client.login(user.email, user.password);
		await client.mutate('requests.create', { recipientName: 'Before' });
		await fixtures.admin.mutate('users.update', { id: user.id, permission: 'view' });
		await expectApiError(client.mutate('requests.create', { recipientName: 'After' }), 'FORBIDDEN');
		await client.query('requests.list', {});
		await fixtures.admin.mutate('users.update', { id: user.id, permission: 'none' });
		await expectApiError(client.query('requests.list', {}), 'FORBIDDEN');
	});
});

describe('visibility', () => {
	let server: TestServer;
	let admin: ApiClient;
	let alice: ApiClient;
	let aliceViewOnly: ApiClient;
	let aliceUser: Awaited<ReturnType<typeof makeUser>>;
	let bobUser: Awaited<ReturnType<typeof makeUser>>;
	let viewerUser: Awaited<ReturnType<typeof makeUser>>;
	let queueA: string;
	let queueB: string;
	const r: Record<string, Json> = {};

	const listIds = async (client: ApiClient, input: Json = {}) =>
		(await client.query('requests.list', input)).items.map((x: Json) => x.id);

	beforeAll(async () => {
		server = await startTestServer();
		const adminUser = await makeUser(server.app, 'admin', 'edit');
		aliceUser = await makeUser(server.app, 'agent', 'edit');
		bobUser = await makeUser(server.app, 'agent', 'edit');
		viewerUser = await makeUser(server.app, 'agent', 'view');
		admin = new ApiClient(server.url);
		await admin.login(adminUser.email, adminUser.password);
		alice = new ApiClient(server.url);
		await alice.login(aliceUser.email, aliceUser.password);
		aliceViewOnly = new ApiClient(server.url);
		await aliceViewOnly.login(viewerUser.email, viewerUser.password);
		queueA = (
			await admin.mutate('queues.create', {
				name: 'Alice queue',
				memberIds: [aliceUser.id, viewerUser.id]
			})
		).queue.id;
		queueB = (await admin.mutate('queues.create', { name: 'Bob queue', memberIds: [bobUser.id] }))
			.queue.id;
		const create = async (name: string, by: ApiClient, assignment: Json) => {
			r[name] = await by.mutate('requests.create', { recipientName: name, assignment });
		};
		await create('toBob', admin, { kind: 'agent', userId: bobUser.id });
		await create('toQueueB', admin, { kind: 'queue', queueId: queueB });
		await create('unassigned', admin, { kind: 'unassigned' });
		await create('toAlice', admin, { kind: 'agent', userId: aliceUser.id });
		await create('toQueueA', admin, { kind: 'queue', queueId: queueA });
		await create('byAliceForBob', alice, { kind: 'agent', userId: bobUser.id });
		await create('toViewer', admin, { kind: 'agent', userId: viewerUser.id });
	});
	afterAll(() => server.close());

	const HIDDEN_FROM_ALICE = ['toBob', 'toQueueB', 'toViewer'];
	const VISIBLE_TO_ALICE = ['unassigned', 'toAlice', 'toQueueA', 'byAliceForBob'];

	it('an agent lists exactly the unassigned, their own, their queues’ and their created requests', async () => {
		const ids = await listIds(alice);
		expect(ids.sort()).toEqual(VISIBLE_TO_ALICE.map((n) => r[n].id).sort());
		// Filters never widen the view.
		expect(await listIds(alice, { assignment: { kind: 'agent', userId: bobUser.id } })).toEqual([
			r.byAliceForBob.id
		]);
		expect(await listIds(alice, { assignment: { kind: 'queue', queueId: queueB } })).toEqual([]);
		expect(await listIds(alice, { search: 'toBob' })).toEqual([]);
	});

	it('the same rule holds for a view-only agent', async () => {
		const ids = await listIds(aliceViewOnly);
		expect(ids.sort()).toEqual(['unassigned', 'toQueueA', 'toViewer'].map((n) => r[n].id).sort());
		await expectApiError(aliceViewOnly.query('requests.get', { id: r.toBob.id }), 'NOT_FOUND');
	});

	it('an admin sees every request', async () => {
		const ids = await listIds(admin);
		expect(ids.sort()).toEqual(
			Object.values(r)
				.map((x) => x.id)
				.sort()
		);
		for (const name of HIDDEN_FROM_ALICE) {
			expect((await admin.query('requests.get', { id: r[name].id })).id).toBe(r[name].id);
		}
	});

	it('an agent can get the requests they may see', async () => {
		for (const name of VISIBLE_TO_ALICE) {
			const got = await alice.query('requests.get', { id: r[name].id });
			expect(got.id).toBe(r[name].id);
		}
	});

	it.each(HIDDEN_FROM_ALICE)(
		'%s: NOT_FOUND for get and every mutation, exactly as for an unknown id, and unchanged',
		async (name) => {
			const id = r[name].id;
			const before = await admin.query('requests.get', { id });
			const unknown = await expectApiError(
				alice.query('requests.get', { id: randomUUID() }),
				'NOT_FOUND'
			);
			const calls: [string, 'query' | 'mutation', Json][] = [
				['requests.get', 'query', { id }],
				['requests.update', 'mutation', { id, recipientName: 'Hijacked' }],
				['requests.close', 'mutation', { id }],
				['requests.assign', 'mutation', { id, assignment: { kind: 'me' } }],
				['requests.take', 'mutation', { id }],
				['requests.requestConnect', 'mutation', { id }],
				['requests.start', 'mutation', { id }],
				['requests.end', 'mutation', { id }],
				['requests.reopen', 'mutation', { id }],
				[
					'requests.extend',
					'mutation',
					{ id, expiresAt: new Date(Date.now() + 86_400_000 * 30).toISOString() }
				],
				['requests.regenerateLink', 'mutation', { id }],
				['requests.transfer', 'mutation', { id, to: { kind: 'queue', queueId: queueA } }]
			];
			for (const [path, kind, input] of calls) {
				const error = await expectApiError(
					kind === 'query' ? alice.query(path, input) : alice.mutate(path, input),
					'NOT_FOUND'
				);
				expect(error.message, path).toBe(unknown.message);
			}
			const after = await admin.query('requests.get', { id });
			expect(after).toEqual(before);
		}
	);

	it('visible requests can be changed, and a queue member can take a queued request', async () => {
		const updated = await alice.mutate('requests.update', {
			id: r.unassigned.id,
			comments: 'Alice was here'
		});
		expect(updated.comments).toBe('Alice was here');
		const taken = await alice.mutate('requests.take', { id: r.toQueueA.id });
		expect(taken.assignment).toEqual({ kind: 'agent', userId: aliceUser.id });
		const closed = await alice.mutate('requests.close', { id: r.byAliceForBob.id });
		expect(closed.status).toBe('closed');
	});

	it('a request leaves an agent’s view when it is assigned away from them', async () => {
		const mine = await alice.mutate('requests.create', {
			recipientName: 'Handed over',
			assignment: { kind: 'unassigned' }
		});
		const fromAdmin = await admin.mutate('requests.create', {
			recipientName: 'Moved away',
			assignment: { kind: 'agent', userId: aliceUser.id }
		});
		await admin.mutate('requests.assign', {
			id: fromAdmin.id,
			assignment: { kind: 'queue', queueId: queueB }
		});
		await admin.mutate('requests.assign', {
			id: mine.id,
			assignment: { kind: 'queue', queueId: queueB }
		});
		await expectApiError(alice.query('requests.get', { id: fromAdmin.id }), 'NOT_FOUND');
		const ids = await listIds(alice);
		expect(ids).not.toContain(fromAdmin.id);
		// What she created stays hers to see.
		expect(ids).toContain(mine.id);
	});
});

describe('cross-site requests', () => {
	let server: TestServer;
	let agent: ApiClient;
	let agentId: string;
	beforeAll(async () => {
		server = await startTestServer();
		const user = await makeUser(server.app, 'agent', 'edit');
		agentId = user.id;
		agent = new ApiClient(server.url);
		await agent.login(user.email, user.password);
	});
	afterAll(() => server.close());

	const count = () =>
		(server.app.sqlite.prepare('select count(*) n from session_requests').get() as { n: number }).n;

	it('a POST from another origin with a valid cookie is not signed in', async () => {
		const before = count();
		const evil = new ApiClient(server.url);
		evil.cookie = agent.cookie;
		evil.extraHeaders = { origin: 'http://evil.example' };
		await expectApiError(evil.mutate('requests.create', { recipientName: 'CSRF' }), 'UNAUTHORIZED');
		// Nor can another site sign the agent out.
		expect(await evil.mutate('auth.logout', {})).toEqual({ ok: true });
		expect(count()).toBe(before);
		// The real session was not logged out by the cross-site call.
		expect((await agent.query('auth.me')).user.id).toBe(agentId);
	});

	it('a query from another origin with a valid cookie is not signed in either', async () => {
		const evil = new ApiClient(server.url);
		evil.cookie = agent.cookie;
		evil.extraHeaders = { origin: 'http://evil.example' };
		await expectApiError(evil.query('auth.me'), 'UNAUTHORIZED');
		await expectApiError(evil.query('requests.list', {}), 'UNAUTHORIZED');
	});

	it('the same origin and no Origin header both keep the session', async () => {
		const same = new ApiClient(server.url);
		same.cookie = agent.cookie;
		same.extraHeaders = { origin: server.url };
		const created = await same.mutate('requests.create', { recipientName: 'Same site' });
		expect(created.status).toBe('open');
		const noOrigin = new ApiClient(server.url);
		noOrigin.cookie = agent.cookie;
		expect((await noOrigin.query('auth.me')).user.id).toBe(agentId);
	});

	it('a bearer token works from any origin (it is not ambient authority)', async () => {
		const admin = await makeUser(server.app, 'admin', 'edit');
		const adminApi = new ApiClient(server.url);
		await adminApi.login(admin.email, admin.password);
		const { token } = await adminApi.mutate('tokens.create', { name: 'integration' });
		const integration = new ApiClient(server.url);
		integration.bearer = token;
		integration.extraHeaders = { origin: 'http://crm.example' };
		const made = await integration.mutate('requests.create', { recipientName: 'From the CRM' });
		expect(made.createdBy).toBe(admin.id);
		const listed = await integration.query('requests.list', { search: 'From the CRM' });
		expect(listed.items.map((r: Json) => r.id)).toEqual([made.id]);
	});
});
