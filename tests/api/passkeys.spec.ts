/**
 * Passkeys (issue 19, item 3) through the real request listener, with WebAuthn answers made by a
 * software authenticator (tests/support/webauthn.ts) and verified for real: several passkeys
 * registered, listed, renamed and removed; a sign-in with a passkey alone; a passkey as the
 * second step; replayed challenges, foreign origins, forged signatures, cloned counters and
 * deactivated accounts refused; failures throttled; no answer carrying a key. On PostgreSQL too
 * with BECKON_TEST_DATABASE_URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totp } from '../../src/server/totp';
import { ApiClient, expectApiError } from '../support/client';
import { makeUser, startTestServer, type TestServer } from '../support/server';
import { SoftAuthenticator } from '../support/webauthn';
import { prepareSql, type Param } from '../../src/server/db/plain-sql';

type User = Awaited<ReturnType<typeof makeUser>>;

// WebAuthn takes domain names only (no IP addresses): the public URL the RP id comes from.
const PUBLIC_URL = 'http://localhost:4173';
const page = { origin: PUBLIC_URL };

function setup() {
	const ctx = {
		now: Date.parse('2030-03-04T10:00:10.000Z'),
		server: undefined as unknown as TestServer,
		admin: undefined as unknown as ApiClient,
		adminUser: undefined as unknown as User
	};
	beforeAll(async () => {
		ctx.server = await startTestServer({
			clock: () => ctx.now,
			env: { BECKON_PUBLIC_URL: PUBLIC_URL }
		});
		ctx.adminUser = await makeUser(ctx.server.app, 'admin', 'edit');
		ctx.admin = new ApiClient(ctx.server.url);
		await ctx.admin.login(ctx.adminUser.email, ctx.adminUser.password);
	});
	afterAll(() => ctx.server.close());
	return ctx;
}

type Ctx = ReturnType<typeof setup>;

async function signedIn(ctx: Ctx, user: User) {
	const api = new ApiClient(ctx.server.url);
	await api.login(user.email, user.password);
	return api;
}

/** Registers a new software passkey for the signed-in `api`. */
async function addPasskey(api: ApiClient, name: string, authenticator = new SoftAuthenticator()) {
	const options = await api.mutate('passkeys.registrationOptions', {});
	const { passkey } = await api.mutate('passkeys.register', {
		name,
		response: authenticator.create(options, page)
	});
	return { authenticator, passkey };
}

async function passkeySignIn(ctx: Ctx, authenticator: SoftAuthenticator) {
	const device = new ApiClient(ctx.server.url);
	const options = await device.mutate('auth.passkeyOptions', {});
	const response = authenticator.get(options, page);
	return { device, options, response };
}

const rows = (ctx: Ctx, write: (param: Param) => string, ...args: unknown[]) =>
	prepareSql(ctx.server.app.sqlite, write).all(...args) as Record<string, unknown>[];

describe('registering passkeys', () => {
	const ctx = setup();

	it('adds two, lists them without keys, renames and removes one, each recorded', async () => {
		const user = await makeUser(ctx.server.app, 'agent', 'edit');
		const api = await signedIn(ctx, user);
		const options = await api.mutate('passkeys.registrationOptions', {});
		expect(options.rp).toEqual({ name: 'Beckon', id: 'localhost' });
		expect(options.user.name).toBe(user.email);
		expect(options.authenticatorSelection).toMatchObject({
			residentKey: 'required',
			userVerification: 'required'
		});
		const laptop = new SoftAuthenticator();
		const { passkey: first } = await api.mutate('passkeys.register', {
			name: '  Laptop  ',
			response: laptop.create(options, page)
		});
		expect(first).toEqual({
			id: laptop.id,
			name: 'Laptop',
			createdAt: new Date(ctx.now).toISOString(),
			lastUsedAt: null,
			backedUp: false
		});
		ctx.now += 1000;
		const second = await api.mutate('passkeys.registrationOptions', {});
		// The passkeys the user has are excluded, so one authenticator is not registered twice.
		expect(second.excludeCredentials).toEqual([
			{ id: laptop.id, type: 'public-key', transports: ['internal'] }
		]);
		const { authenticator: phone } = await addPasskey(api, 'Phone');

		const { passkeys } = await api.query('passkeys.list');
		expect(passkeys.map((p: { name: string }) => p.name)).toEqual(['Laptop', 'Phone']);
		expect(passkeys[1].id).toBe(phone.id);

		const { passkey: renamed } = await api.mutate('passkeys.rename', {
			id: laptop.id,
			name: 'Work laptop'
		});
		expect(renamed.name).toBe('Work laptop');
		await expectApiError(
			api.mutate('passkeys.rename', { id: laptop.id, name: '   ' }),
			'BAD_REQUEST',
			'invalid'
		);
		await api.mutate('passkeys.remove', { id: phone.id });
		expect((await api.query('passkeys.list')).passkeys).toEqual([
			{ ...first, name: 'Work laptop' }
		]);
		expect(
			rows(ctx, (param) => `SELECT id FROM passkeys WHERE user_id = ${param()}`, user.id)
		).toEqual([{ id: laptop.id }]);

		const { events } = await ctx.admin.query('users.accountEvents', { id: user.id });
		expect(events.map((e: { type: string; data: unknown }) => [e.type, e.data])).toEqual([
			['passkey_removed', { name: 'Phone' }],
			['passkey_renamed', { from: 'Laptop', to: 'Work laptop' }],
			['passkey_added', { name: 'Phone' }],
			['passkey_added', { name: 'Laptop' }]
		]);
	});

	it("leaves other users' passkeys alone and refuses an authenticator registered twice", async () => {
		const owner = await makeUser(ctx.server.app, 'agent', 'edit');
		const other = await makeUser(ctx.server.app, 'agent', 'edit');
		const ownerApi = await signedIn(ctx, owner);
		const otherApi = await signedIn(ctx, other);
		const { authenticator } = await addPasskey(ownerApi, 'Key');
		await expectApiError(
			otherApi.mutate('passkeys.remove', { id: authenticator.id }),
			'NOT_FOUND',
			'not_found'
		);
		await expectApiError(
			otherApi.mutate('passkeys.rename', { id: authenticator.id, name: 'Mine' }),
			'NOT_FOUND',
			'not_found'
		);
		expect((await otherApi.query('passkeys.list')).passkeys).toEqual([]);
		const again = await otherApi.mutate('passkeys.registrationOptions', {});
		await expectApiError(
			otherApi.mutate('passkeys.register', {
				name: 'Same',
				response: authenticator.create(again, page)
			}),
			'CONFLICT',
			'conflict'
		);
		await expectApiError(new ApiClient(ctx.server.url).query('passkeys.list'), 'UNAUTHORIZED');
	});

	it('refuses a replayed answer, another origin or RP id, an unverified user and an expired challenge', async () => {
		const user = await makeUser(ctx.server.app, 'agent', 'edit');
		const api = await signedIn(ctx, user);
		const options = await api.mutate('passkeys.registrationOptions', {});
		const evil = new SoftAuthenticator();
		const foreign = await expectApiError(
			api.mutate('passkeys.register', {
				name: 'x',
				response: evil.create(options, { origin: 'https://beckon.evil.example' })
			}),
			'UNAUTHORIZED',
			'unauthenticated'
		);
		expect(foreign.message).toMatch(/origin/);
		// That answer took its challenge: the same challenge answered rightly is refused too.
		const replay = await expectApiError(
			api.mutate('passkeys.register', { name: 'x', response: evil.create(options, page) }),
			'UNAUTHORIZED',
			'unauthenticated'
		);
		expect(replay.message).toMatch(/expired or was used already/);

		const fresh = await api.mutate('passkeys.registrationOptions', {});
		const wrongRp = await expectApiError(
			api.mutate('passkeys.register', {
				name: 'x',
				response: evil.create(fresh, { ...page, rpId: 'evil.example' })
			}),
			'UNAUTHORIZED',
			'unauthenticated'
		);
		expect(wrongRp.message).toMatch(/RP ID/i);
		const unverified = await api.mutate('passkeys.registrationOptions', {});
		await expectApiError(
			api.mutate('passkeys.register', {
				name: 'x',
				response: evil.create(unverified, { ...page, userVerified: false })
			}),
			'UNAUTHORIZED',
			'unauthenticated'
		);
		const late = await api.mutate('passkeys.registrationOptions', {});
		ctx.now += 5 * 60_000;
		await expectApiError(
			api.mutate('passkeys.register', { name: 'x', response: evil.create(late, page) }),
			'UNAUTHORIZED',
			'unauthenticated'
		);
		// Another user's challenge is not this user's.
		const stranger = await signedIn(ctx, await makeUser(ctx.server.app, 'agent', 'edit'));
		const theirs = await stranger.mutate('passkeys.registrationOptions', {});
		await expectApiError(
			api.mutate('passkeys.register', { name: 'x', response: evil.create(theirs, page) }),
			'UNAUTHORIZED',
			'unauthenticated'
		);
		expect((await api.query('passkeys.list')).passkeys).toEqual([]);
	});
});

describe('signing in with a passkey alone', () => {
	const ctx = setup();

	it('starts a session as a password sign-in does, and records the use', async () => {
		const user = await makeUser(ctx.server.app, 'agent', 'edit');
		const api = await signedIn(ctx, user);
		const { authenticator } = await addPasskey(api, 'Laptop');
		ctx.now += 60_000;
		const { device, options, response } = await passkeySignIn(ctx, authenticator);
		expect(options).toMatchObject({ rpId: 'localhost', userVerification: 'required' });
		expect(options.allowCredentials ?? []).toEqual([]);
		const { user: signedInUser } = await device.mutate('auth.passkeySignIn', { response });
		expect(signedInUser).toMatchObject({ id: user.id, email: user.email });
		expect(device.cookie).toMatch(/^beckon_session=/);
		expect((await device.query('auth.me')).user.id).toBe(user.id);
		const sessions = (await device.query('auth.sessions')).sessions;
		expect(sessions.filter((s: { current: boolean }) => s.current)).toHaveLength(1);

		const [stored] = rows(
			ctx,
			(param) => `SELECT counter, last_used_at FROM passkeys WHERE id = ${param()}`,
			authenticator.id
		);
		expect(stored).toEqual({ counter: 1, last_used_at: ctx.now });
		expect((await api.query('passkeys.list')).passkeys[0].lastUsedAt).toBe(
			new Date(ctx.now).toISOString()
		);

		// The same answer again: its challenge is spent.
		const again = new ApiClient(ctx.server.url);
		const replay = await expectApiError(
			again.mutate('auth.passkeySignIn', { response }),
			'UNAUTHORIZED',
			'unauthenticated'
		);
		expect(replay.message).toMatch(/expired or was used already/);
		expect(again.cookie).toBeNull();
	});

	it('refuses another origin, a forged signature, a cloned counter, an unknown or removed passkey', async () => {
		const user = await makeUser(ctx.server.app, 'agent', 'edit');
		const api = await signedIn(ctx, user);
		const { authenticator } = await addPasskey(api, 'Laptop');
		const device = new ApiClient(ctx.server.url);
		const attempt = async (response: unknown) =>
			expectApiError(
				device.mutate('auth.passkeySignIn', { response }),
				'UNAUTHORIZED',
				'unauthenticated'
			);

		let options = await device.mutate('auth.passkeyOptions', {});
		const foreign = await attempt(
			authenticator.get(options, { origin: 'https://beckon.evil.example' })
		);
		expect(foreign.message).toMatch(/origin/);

		options = await device.mutate('auth.passkeyOptions', {});
		const forged = await attempt(authenticator.get(options, page, new SoftAuthenticator()));
		expect(forged.message).toMatch(/signature/i);

		options = await device.mutate('auth.passkeyOptions', {});
		await attempt(authenticator.get(options, { ...page, userVerified: false }));

		// A good sign-in, then an answer whose counter went back: a cloned authenticator.
		options = await device.mutate('auth.passkeyOptions', {});
		await device.mutate('auth.passkeySignIn', { response: authenticator.get(options, page) });
		authenticator.counter -= 2;
		options = await device.mutate('auth.passkeyOptions', {});
		const cloned = await attempt(authenticator.get(options, page));
		expect(cloned.message).toMatch(/counter/i);

		const stranger = new SoftAuthenticator();
		stranger.userHandle = Buffer.from(user.id).toString('base64url');
		options = await device.mutate('auth.passkeyOptions', {});
		expect((await attempt(stranger.get(options, page))).message).toMatch(/not registered/);

		await api.mutate('passkeys.remove', { id: authenticator.id });
		options = await device.mutate('auth.passkeyOptions', {});
		expect((await attempt(authenticator.get(options, page))).message).toMatch(/not registered/);
	});

	it('refuses a deactivated account', async () => {
		const user = await makeUser(ctx.server.app, 'agent', 'edit');
		const { authenticator } = await addPasskey(await signedIn(ctx, user), 'Laptop');
		await ctx.admin.mutate('users.update', { id: user.id, active: false });
		const { device, response } = await passkeySignIn(ctx, authenticator);
		const refused = await expectApiError(
			device.mutate('auth.passkeySignIn', { response }),
			'UNAUTHORIZED',
			'unauthenticated'
		);
		expect(refused.message).toMatch(/deactivated/);
		expect(device.cookie).toBeNull();
	});

	it('never answers a key, whatever is asked', async () => {
		const user = await makeUser(ctx.server.app, 'agent', 'edit');
		const api = await signedIn(ctx, user);
		const { authenticator } = await addPasskey(api, 'Laptop');
		const [stored] = rows(
			ctx,
			(param) => `SELECT public_key FROM passkeys WHERE id = ${param()}`,
			authenticator.id
		);
		const publicKey = String(stored.public_key);
		expect(Buffer.from(publicKey, 'base64url')).toEqual(authenticator.coseKey());
		const { device, response } = await passkeySignIn(ctx, authenticator);
		const answers = [
			await device.mutate('auth.passkeySignIn', { response }),
			await api.query('passkeys.list'),
			await api.query('auth.me'),
			await api.query('auth.twoFactor'),
			await ctx.admin.query('users.list'),
			await ctx.admin.query('users.accountEvents', { id: user.id })
		].map((answer) => JSON.stringify(answer));
		const x = authenticator.coseKey().subarray(10, 42);
		for (const text of answers) {
			expect(text).not.toContain(publicKey);
			expect(text).not.toContain(publicKey.slice(20, 60));
			expect(text).not.toContain(x.toString('base64url'));
			expect(text).not.toContain(x.toString('base64'));
			expect(text).not.toContain(x.toString('hex'));
			expect(text).not.toMatch(/counter|public_?key/i);
		}
	});
});

describe('a passkey as the second factor', () => {
	const ctx = setup();

	it('completes a password sign-in, and counts as a second factor where one is required', async () => {
		const user = await makeUser(ctx.server.app, 'agent', 'edit');
		const { authenticator } = await addPasskey(await signedIn(ctx, user), 'Key');
		const device = new ApiClient(ctx.server.url);
		const first = await device.login(user.email, user.password);
		expect(first.user).toBeNull();
		expect(first.secondFactor).toMatchObject({ step: 'code', methods: ['passkey'] });
		const { pendingToken } = first.secondFactor;
		const options = await device.mutate('auth.passkeySecondFactorOptions', { pendingToken });
		expect(options.allowCredentials).toEqual([
			{ id: authenticator.id, type: 'public-key', transports: ['internal'] }
		]);
		// A key of nobody's is refused; the answer took the challenge, so a new one is needed.
		await expectApiError(
			device.mutate('auth.verifySecondFactor', {
				pendingToken,
				passkey: authenticator.get(options, page, new SoftAuthenticator())
			}),
			'UNAUTHORIZED',
			'unauthenticated'
		);
		expect(device.cookie).toBeNull();
		const retry = await device.mutate('auth.passkeySecondFactorOptions', { pendingToken });
		const { user: done } = await device.mutate('auth.verifySecondFactor', {
			pendingToken,
			// Presence is enough after the password: user verification is not asked for.
			passkey: authenticator.get(retry, { ...page, userVerified: false })
		});
		expect(done.id).toBe(user.id);
		expect((await device.query('auth.me')).user.id).toBe(user.id);

		// The organisation requires a second factor: the passkey is one, so no enrolment.
		await ctx.admin.mutate('settings.update', { twoFactorRequired: 'everyone' });
		const later = await new ApiClient(ctx.server.url).login(user.email, user.password);
		expect(later.secondFactor.step).toBe('code');
		await ctx.admin.mutate('settings.update', { twoFactorRequired: 'off' });
	});

	it("is one of the account's methods beside the app, and takes only the account's passkeys", async () => {
		const user = await makeUser(ctx.server.app, 'agent', 'edit');
		const api = await signedIn(ctx, user);
		const { secret } = await api.mutate('auth.beginTwoFactor', {});
		await api.mutate('auth.confirmTwoFactor', { code: totp(base32Decode(secret), ctx.now) });
		const { authenticator } = await addPasskey(api, 'Key');
		const other = await makeUser(ctx.server.app, 'agent', 'edit');
		const { authenticator: theirs } = await addPasskey(await signedIn(ctx, other), 'Theirs');

		const device = new ApiClient(ctx.server.url);
		const { secondFactor } = await device.login(user.email, user.password);
		expect(secondFactor.methods).toEqual(['totp', 'passkey']);
		const { pendingToken } = secondFactor;
		let options = await device.mutate('auth.passkeySecondFactorOptions', { pendingToken });
		const notTheirs = await expectApiError(
			device.mutate('auth.verifySecondFactor', {
				pendingToken,
				passkey: theirs.get(options, page)
			}),
			'UNAUTHORIZED',
			'unauthenticated'
		);
		expect(notTheirs.message).toMatch(/not registered/);
		// A sign-in challenge is not a second-step one.
		options = await device.mutate('auth.passkeyOptions', {});
		await expectApiError(
			device.mutate('auth.verifySecondFactor', {
				pendingToken,
				passkey: authenticator.get(options, page)
			}),
			'UNAUTHORIZED',
			'unauthenticated'
		);
		await expectApiError(
			device.mutate('auth.verifySecondFactor', {
				pendingToken,
				code: '123456',
				passkey: authenticator.get(options, page)
			}),
			'BAD_REQUEST',
			'invalid'
		);
		options = await device.mutate('auth.passkeySecondFactorOptions', { pendingToken });
		const { user: done } = await device.mutate('auth.verifySecondFactor', {
			pendingToken,
			passkey: authenticator.get(options, page)
		});
		expect(done.id).toBe(user.id);
		await expectApiError(
			device.mutate('auth.passkeySecondFactorOptions', { pendingToken: 'forged.token' }),
			'UNAUTHORIZED',
			'unauthenticated'
		);
	});

	it('may be what an account that must set up a second factor adds at sign-in', async () => {
		const user = await makeUser(ctx.server.app, 'agent', 'edit');
		await ctx.admin.mutate('settings.update', { twoFactorRequired: 'everyone' });
		try {
			const device = new ApiClient(ctx.server.url);
			const { secondFactor } = await device.login(user.email, user.password);
			expect(secondFactor).toMatchObject({ step: 'enrol', methods: [] });
			const { pendingToken } = secondFactor;
			// The signed-in procedures stay closed to a pending sign-in.
			await expectApiError(device.mutate('passkeys.registrationOptions', {}), 'UNAUTHORIZED');
			const options = await device.mutate('auth.enrolPasskeyOptions', { pendingToken });
			expect(options.user.name).toBe(user.email);
			const authenticator = new SoftAuthenticator();
			const { passkey, user: signedIn } = await device.mutate('auth.enrolPasskey', {
				pendingToken,
				name: 'Phone',
				response: authenticator.create(options, page)
			});
			expect(passkey).toMatchObject({ id: authenticator.id, name: 'Phone' });
			expect(signedIn.id).toBe(user.id);
			expect((await device.query('auth.me')).user.id).toBe(user.id);
			// From now on the password is followed by the passkey, not by an enrolment.
			const next = await new ApiClient(ctx.server.url).login(user.email, user.password);
			expect(next.secondFactor).toMatchObject({ step: 'code', methods: ['passkey'] });
		} finally {
			await ctx.admin.mutate('settings.update', { twoFactorRequired: 'off' });
		}
	});

	it("goes with an admin's reset of the second factor, recorded", async () => {
		const user = await makeUser(ctx.server.app, 'agent', 'edit');
		await addPasskey(await signedIn(ctx, user), 'Lost laptop');
		await ctx.admin.mutate('users.resetTwoFactor', { id: user.id });
		expect(
			rows(ctx, (param) => `SELECT id FROM passkeys WHERE user_id = ${param()}`, user.id)
		).toEqual([]);
		const { events } = await ctx.admin.query('users.accountEvents', { id: user.id });
		expect(events[0]).toMatchObject({
			type: 'two_factor_reset',
			data: { hadSecondFactor: false, passkeysRemoved: 1 }
		});
		expect((await new ApiClient(ctx.server.url).login(user.email, user.password)).user.id).toBe(
			user.id
		);
	});
});

describe('throttling', () => {
	const ctx = setup();

	it('counts failed passkey sign-ins against the address, as wrong passwords', async () => {
		const user = await makeUser(ctx.server.app, 'agent', 'edit');
		const { authenticator } = await addPasskey(await signedIn(ctx, user), 'Key');
		const device = new ApiClient(ctx.server.url);
		const forger = new SoftAuthenticator();
		// Ten failures are free (limits.ts), the eleventh starts the wait.
		for (let i = 0; i < 11; i++) {
			const options = await device.mutate('auth.passkeyOptions', {});
			await expectApiError(
				device.mutate('auth.passkeySignIn', {
					response: authenticator.get(options, page, forger)
				}),
				'UNAUTHORIZED',
				'unauthenticated'
			);
		}
		const options = await device.mutate('auth.passkeyOptions', {});
		await expectApiError(
			device.mutate('auth.passkeySignIn', { response: authenticator.get(options, page) }),
			'TOO_MANY_REQUESTS',
			'rate_limited'
		);
		// The wait over, the right passkey signs in.
		ctx.now += 60_000;
		const fresh = await device.mutate('auth.passkeyOptions', {});
		const { user: done } = await device.mutate('auth.passkeySignIn', {
			response: authenticator.get(fresh, page)
		});
		expect(done.id).toBe(user.id);
	});

	it('counts failed second steps against the account, and limits challenges per address', async () => {
		ctx.now += 20 * 60_000; // the address's failures above forgotten
		const user = await makeUser(ctx.server.app, 'agent', 'edit');
		const { authenticator } = await addPasskey(await signedIn(ctx, user), 'Key');
		const device = new ApiClient(ctx.server.url);
		const { pendingToken } = (await device.login(user.email, user.password)).secondFactor;
		const forger = new SoftAuthenticator();
		// Five wrong answers are free, as five wrong codes; the sixth starts the wait.
		for (let i = 0; i < 6; i++) {
			const options = await device.mutate('auth.passkeySecondFactorOptions', { pendingToken });
			await expectApiError(
				device.mutate('auth.verifySecondFactor', {
					pendingToken,
					passkey: authenticator.get(options, page, forger)
				}),
				'UNAUTHORIZED',
				'unauthenticated'
			);
		}
		const options = await device.mutate('auth.passkeySecondFactorOptions', { pendingToken });
		await expectApiError(
			device.mutate('auth.verifySecondFactor', {
				pendingToken,
				passkey: authenticator.get(options, page)
			}),
			'TOO_MANY_REQUESTS',
			'rate_limited'
		);

		ctx.now += 60 * 60_000;
		const asker = new ApiClient(ctx.server.url);
		for (let i = 0; i < 30; i++) await asker.mutate('auth.passkeyOptions', {});
		await expectApiError(
			asker.mutate('auth.passkeyOptions', {}),
			'TOO_MANY_REQUESTS',
			'rate_limited'
		);
		// Expired challenges are swept as new ones are made.
		const live = rows(
			ctx,
			(param) => `SELECT expires_at FROM webauthn_challenges WHERE purpose = ${param()}`,
			'sign_in'
		);
		expect(live.length).toBe(30);
		for (const { expires_at } of live) expect(Number(expires_at)).toBe(ctx.now + 5 * 60_000);
	});
});
