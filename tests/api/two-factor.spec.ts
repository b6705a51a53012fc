/**
 * Two-factor sign-in with an authenticator app (issue 19): enrolment, the two-step sign-in, codes
 * that cannot be replayed, single-use recovery codes, the throttle on codes, the organisation's
 * requirement, an admin's reset, and a secret that no answer carries once enrolled. Through the
 * real request listener; on PostgreSQL too with BECKON_TEST_DATABASE_URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totp } from '../../src/server/totp';
import { ApiClient, expectApiError } from '../support/client';
import { makeUser, startTestServer, type TestServer } from '../support/server';
import { prepareSql, type Param } from '../../src/server/db/plain-sql';

type User = Awaited<ReturnType<typeof makeUser>>;

function setup() {
	const ctx = {
		now: Date.parse('2030-03-04T10:00:10.000Z'),
		server: undefined as unknown as TestServer,
		admin: undefined as unknown as ApiClient,
		adminUser: undefined as unknown as User
	};
	beforeAll(async () => {
		ctx.server = await startTestServer({ clock: () => ctx.now });
		ctx.adminUser = await makeUser(ctx.server.app, 'admin', 'edit');
		ctx.admin = new ApiClient(ctx.server.url);
		await ctx.admin.login(ctx.adminUser.email, ctx.adminUser.password);
	});
	afterAll(() => ctx.server.close());
	return ctx;
}

/** Signs `user` in and sets up the app; answers the base32 secret and the recovery codes. */
async function enrol(ctx: ReturnType<typeof setup>, user: User) {
	const api = new ApiClient(ctx.server.url);
	await api.login(user.email, user.password);
	const { secret, otpauthUri } = await api.mutate('auth.beginTwoFactor', {});
	expect(new URL(otpauthUri).searchParams.get('secret')).toBe(secret);
	const { recoveryCodes } = await api.mutate('auth.confirmTwoFactor', {
		code: totp(base32Decode(secret), ctx.now)
	});
	return { api, secret: secret as string, recoveryCodes: recoveryCodes as string[] };
}

const rows = (ctx: ReturnType<typeof setup>, write: (param: Param) => string, ...args: unknown[]) =>
	prepareSql(ctx.server.app.sqlite, write).all(...args) as Record<string, unknown>[];

describe('enrolment', () => {
	const ctx = setup();

	it('confirms the app with a code, gives ten recovery codes once, and stores neither in clear', async () => {
		const user = await makeUser(ctx.server.app, 'agent', 'edit');
		const api = new ApiClient(ctx.server.url);
		await api.login(user.email, user.password);
		expect(await api.query('auth.twoFactor')).toMatchObject({ enabled: false, required: false });
		const { secret, otpauthUri } = await api.mutate('auth.beginTwoFactor', {});
		expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/Beckon:/);
		expect(base32Decode(secret)).toHaveLength(20);

		const wrong = await expectApiError(
			api.mutate('auth.confirmTwoFactor', { code: '000000' }),
			'UNAUTHORIZED',
			'unauthenticated'
		);
		expect(wrong.body.data.field).toBe('code');
		await expectApiError(api.mutate('auth.confirmTwoFactor', { code: 'abc' }), 'BAD_REQUEST');
		expect((await api.query('auth.twoFactor')).enabled).toBe(false);

		const { recoveryCodes } = await api.mutate('auth.confirmTwoFactor', {
			code: totp(base32Decode(secret), ctx.now)
		});
		expect(recoveryCodes).toHaveLength(10);
		expect(new Set(recoveryCodes).size).toBe(10);
		for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
		expect(await api.query('auth.twoFactor')).toMatchObject({
			enabled: true,
			recoveryCodesLeft: 10
		});

		const [factor] = rows(
			ctx,
			(param) => `SELECT secret FROM second_factors WHERE user_id = ${param()}`,
			user.id
		);
		const stored = String(factor.secret);
		expect(stored).toMatch(/^v1\./);
		expect(stored).not.toContain(secret);
		expect(stored).not.toContain(base32Decode(secret).toString('base64url'));
		const hashes = rows(
			ctx,
			(param) => `SELECT code_hash FROM recovery_codes WHERE user_id = ${param()}`,
			user.id
		);
		expect(hashes).toHaveLength(10);
		for (const { code_hash } of hashes) {
			expect(code_hash).toMatch(/^[0-9a-f]{64}$/);
			expect(recoveryCodes.join()).not.toContain(String(code_hash));
		}
		const events = rows(
			ctx,
			(param) => `SELECT type, actor FROM account_events WHERE user_id = ${param()}`,
			user.id
		);
		expect(events).toEqual([{ type: 'two_factor_enabled', actor: user.id }]);
	});

	it('never answers the secret again once enrolled, whatever is asked', async () => {
		const user = await makeUser(ctx.server.app, 'agent', 'edit');
		const { api, secret } = await enrol(ctx, user);
		const raw = base32Decode(secret);
		const answers = [
			await api.query('auth.me'),
			await api.query('auth.twoFactor'),
			await api.query('auth.sessions'),
			await api.query('settings.get'),
			await ctx.admin.query('users.list'),
			await ctx.admin.query('users.accountEvents', { id: user.id })
		].map((answer) => JSON.stringify(answer));
		for (const text of answers) {
			expect(text).not.toContain(secret);
			expect(text).not.toContain(raw.toString('base64'));
			expect(text).not.toContain(raw.toString('hex'));
		}
		expect(JSON.parse(answers[4]).find((u: { id: string }) => u.id === user.id)).toMatchObject({
			twoFactorEnabled: true
		});
		// Asking to begin again is refused rather than handing out the secret or a new one.
		await expectApiError(api.mutate('auth.beginTwoFactor', {}), 'CONFLICT', 'conflict');
		const after = rows(
			ctx,
			(param) => `SELECT secret FROM second_factors WHERE user_id = ${param()}`,
			user.id
		);
		expect(after).toHaveLength(1);
	});
});

describe('signing in with a second factor', () => {
	const ctx = setup();

	it('takes the password, then the code: no session before the code is right', async () => {
		const user = await makeUser(ctx.server.app, 'agent', 'edit');
		const { secret } = await enrol(ctx, user);
		ctx.now += 30_000;
		const device = new ApiClient(ctx.server.url);
		const first = await device.login(user.email, user.password);
		expect(first.user).toBeNull();
		expect(first.secondFactor.step).toBe('code');
		expect(device.cookie).toBeNull();
		await expectApiError(device.query('auth.me'), 'UNAUTHORIZED', 'unauthenticated');

		await expectApiError(
			device.mutate('auth.verifySecondFactor', {
				pendingToken: first.secondFactor.pendingToken,
				code: '123456'
			}),
			'UNAUTHORIZED',
			'unauthenticated'
		);
		expect(device.cookie).toBeNull();
		const { user: signedIn } = await device.mutate('auth.verifySecondFactor', {
			pendingToken: first.secondFactor.pendingToken,
			code: totp(base32Decode(secret), ctx.now)
		});
		expect(signedIn.email).toBe(user.email);
		expect((await device.query('auth.me')).user.id).toBe(user.id);
	});

	it('refuses a code already used in its time step, and takes the next step’s', async () => {
		const user = await makeUser(ctx.server.app, 'agent', 'edit');
		const { secret } = await enrol(ctx, user);
		ctx.now += 30_000;
		const code = totp(base32Decode(secret), ctx.now);
		const one = new ApiClient(ctx.server.url);
		const pending = (await one.login(user.email, user.password)).secondFactor.pendingToken;
		await one.mutate('auth.verifySecondFactor', { pendingToken: pending, code });

		const other = new ApiClient(ctx.server.url);
		const again = (await other.login(user.email, user.password)).secondFactor.pendingToken;
		await expectApiError(
			other.mutate('auth.verifySecondFactor', { pendingToken: again, code }),
			'UNAUTHORIZED',
			'unauthenticated'
		);
		// The code of the step before is no better: only later steps are accepted.
		await expectApiError(
			other.mutate('auth.verifySecondFactor', {
				pendingToken: again,
				code: totp(base32Decode(secret), ctx.now - 30_000)
			}),
			'UNAUTHORIZED'
		);
		ctx.now += 30_000;
		await other.mutate('auth.verifySecondFactor', {
			pendingToken: again,
			code: totp(base32Decode(secret), ctx.now)
		});
		expect((await other.query('auth.me')).user.id).toBe(user.id);
	});

	it('takes each recovery code once', async () => {
		const user = await makeUser(ctx.server.app, 'agent', 'edit');
		const { recoveryCodes } = await enrol(ctx, user);
		const device = new ApiClient(ctx.server.url);
		const pending = (await device.login(user.email, user.password)).secondFactor.pendingToken;
		// Typed in capitals and without the dash, it is the same code.
		const typed = recoveryCodes[3].toUpperCase().replace('-', ' ');
		await device.mutate('auth.verifySecondFactor', { pendingToken: pending, recoveryCode: typed });
		expect((await device.query('auth.twoFactor')).recoveryCodesLeft).toBe(9);

		const thief = new ApiClient(ctx.server.url);
		const stolen = (await thief.login(user.email, user.password)).secondFactor.pendingToken;
		const refused = await expectApiError(
			thief.mutate('auth.verifySecondFactor', {
				pendingToken: stolen,
				recoveryCode: recoveryCodes[3]
			}),
			'UNAUTHORIZED',
			'unauthenticated'
		);
		expect(refused.body.data.field).toBe('recoveryCode');
		await thief.mutate('auth.verifySecondFactor', {
			pendingToken: stolen,
			recoveryCode: recoveryCodes[4]
		});
		const used = rows(
			ctx,
			(param) =>
				`SELECT count(*) AS n FROM recovery_codes WHERE user_id = ${param()} AND used_at IS NOT NULL`,
			user.id
		);
		expect(Number(used[0].n)).toBe(2);
		const events = rows(
			ctx,
			(param) =>
				`SELECT count(*) AS n FROM account_events WHERE user_id = ${param()} AND type = 'recovery_code_used'`,
			user.id
		);
		expect(Number(events[0].n)).toBe(2);
	});

	it('refuses a pending sign-in that expired, was altered, or whose password changed', async () => {
		const user = await makeUser(ctx.server.app, 'agent', 'edit');
		const { secret } = await enrol(ctx, user);
		const device = new ApiClient(ctx.server.url);
		const pending = (await device.login(user.email, user.password)).secondFactor.pendingToken;
		const [body, mac] = pending.split('.');
		const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
		const forged = `${Buffer.from(JSON.stringify({ ...claims, e: claims.e + 3_600_000 })).toString('base64url')}.${mac}`;
		ctx.now += 30_000;
		const code = () => totp(base32Decode(secret), ctx.now);
		await expectApiError(
			device.mutate('auth.verifySecondFactor', { pendingToken: forged, code: code() }),
			'UNAUTHORIZED'
		);
		ctx.now += 10 * 60_000;
		const expired = await expectApiError(
			device.mutate('auth.verifySecondFactor', { pendingToken: pending, code: code() }),
			'UNAUTHORIZED'
		);
		expect(expired.body.data.field).toBe('pendingToken');

		const fresh = (await device.login(user.email, user.password)).secondFactor.pendingToken;
		await ctx.admin.mutate('users.update', { id: user.id, password: 'another long password' });
		await expectApiError(
			device.mutate('auth.verifySecondFactor', { pendingToken: fresh, code: code() }),
			'UNAUTHORIZED'
		);
		expect(device.cookie).toBeNull();
	});
});

describe('the throttle on codes', () => {
	const ctx = setup();

	it('slows wrong codes like passwords, then locks the account’s second step, right codes included', async () => {
		const user = await makeUser(ctx.server.app, 'agent', 'edit');
		const { secret } = await enrol(ctx, user);
		ctx.now += 30_000;
		const device = new ApiClient(ctx.server.url);
		const pending = (await device.login(user.email, user.password)).secondFactor.pendingToken;
		const attempt = (code: string) =>
			device.mutate('auth.verifySecondFactor', { pendingToken: pending, code });
		const right = () => totp(base32Decode(secret), ctx.now);
		const wrong = () => String((Number(right()) + 1) % 1_000_000).padStart(6, '0');

		// Five failures are free; the sixth is still checked, and then each costs a wait.
		for (let i = 0; i < 6; i++) await expectApiError(attempt(wrong()), 'UNAUTHORIZED');
		const slowed = await expectApiError(attempt(right()), 'TOO_MANY_REQUESTS', 'rate_limited');
		expect(slowed.message).toMatch(/try again in 1 s/);
		// A new sign-in does not start the count over: it is the account's.
		const other = new ApiClient(ctx.server.url);
		const again = (await other.login(user.email, user.password)).secondFactor.pendingToken;
		await expectApiError(
			other.mutate('auth.verifySecondFactor', { pendingToken: again, code: right() }),
			'TOO_MANY_REQUESTS'
		);
		// Waited out, wrong codes go on doubling the wait up to the tenth, which locks.
		for (const waitMs of [1_000, 2_000, 4_000, 8_000]) {
			ctx.now += waitMs;
			await expectApiError(attempt(wrong()), 'UNAUTHORIZED');
		}
		ctx.now += 30_000;
		const locked = await expectApiError(attempt(right()), 'TOO_MANY_REQUESTS', 'rate_limited');
		expect(locked.message).toMatch(/locked for 15 minutes/);
		const counted = rows(
			ctx,
			(param) => `SELECT failures FROM login_failures WHERE scope = 'code' AND key = ${param()}`,
			user.id
		);
		expect(counted).toEqual([{ failures: 10 }]);

		ctx.now += 15 * 60_000;
		const fresh = (await device.login(user.email, user.password)).secondFactor.pendingToken;
		await device.mutate('auth.verifySecondFactor', { pendingToken: fresh, code: right() });
		expect((await device.query('auth.me')).user.id).toBe(user.id);
		expect(
			rows(
				ctx,
				(param) => `SELECT failures FROM login_failures WHERE scope = 'code' AND key = ${param()}`,
				user.id
			)
		).toEqual([]);
	});
});

describe('the organisation’s requirement', () => {
	const ctx = setup();

	it('leads an account without a second factor to enrol before it gets a session', async () => {
		const agent = await makeUser(ctx.server.app, 'agent', 'edit');
		await ctx.admin.mutate('settings.update', { twoFactorRequired: 'admins' });
		const free = new ApiClient(ctx.server.url);
		expect((await free.login(agent.email, agent.password)).user.id).toBe(agent.id);

		await ctx.admin.mutate('settings.update', { twoFactorRequired: 'everyone' });
		expect((await ctx.admin.query('settings.get')).twoFactorRequired).toBe('everyone');
		await expectApiError(
			ctx.admin.mutate('settings.update', { twoFactorRequired: 'sometimes' }),
			'BAD_REQUEST'
		);
		const device = new ApiClient(ctx.server.url);
		const first = await device.login(agent.email, agent.password);
		expect(first).toMatchObject({ user: null, secondFactor: { step: 'enrol' } });
		expect(device.cookie).toBeNull();
		const pendingToken = first.secondFactor.pendingToken;
		// The enrolment token is not a code step's, nor a session.
		await expectApiError(
			device.mutate('auth.verifySecondFactor', { pendingToken, code: '123456' }),
			'UNAUTHORIZED'
		);
		await expectApiError(device.query('auth.sessions'), 'UNAUTHORIZED');

		const { secret } = await device.mutate('auth.beginTwoFactor', { pendingToken });
		const done = await device.mutate('auth.confirmTwoFactor', {
			pendingToken,
			code: totp(base32Decode(secret), ctx.now)
		});
		expect(done.recoveryCodes).toHaveLength(10);
		expect(done.user.id).toBe(agent.id);
		expect(await device.query('auth.twoFactor')).toMatchObject({ enabled: true, required: true });
		// Required, it cannot be turned off by its user.
		ctx.now += 30_000;
		await expectApiError(
			device.mutate('auth.disableTwoFactor', { code: totp(base32Decode(secret), ctx.now) }),
			'CONFLICT'
		);
		await ctx.admin.mutate('settings.update', { twoFactorRequired: 'off' });
	});

	it('lets a user turn it off with a current code when it is not required', async () => {
		const user = await makeUser(ctx.server.app, 'agent', 'edit');
		const { api, secret } = await enrol(ctx, user);
		ctx.now += 30_000;
		await api.mutate('auth.disableTwoFactor', { code: totp(base32Decode(secret), ctx.now) });
		expect((await api.query('auth.twoFactor')).enabled).toBe(false);
		expect(
			rows(ctx, (param) => `SELECT * FROM recovery_codes WHERE user_id = ${param()}`, user.id)
		).toEqual([]);
		expect((await new ApiClient(ctx.server.url).login(user.email, user.password)).user.id).toBe(
			user.id
		);
	});
});

describe('an admin’s reset', () => {
	const ctx = setup();

	it('removes the second factor and its codes, recorded with who did it; only admins may', async () => {
		const user = await makeUser(ctx.server.app, 'agent', 'edit');
		const { api } = await enrol(ctx, user);
		await expectApiError(
			api.mutate('users.resetTwoFactor', { id: user.id }),
			'FORBIDDEN',
			'forbidden'
		);
		const { user: reset } = await ctx.admin.mutate('users.resetTwoFactor', { id: user.id });
		expect(reset.twoFactorEnabled).toBe(false);
		expect(
			rows(ctx, (param) => `SELECT * FROM second_factors WHERE user_id = ${param()}`, user.id)
		).toEqual([]);
		expect(
			rows(ctx, (param) => `SELECT * FROM recovery_codes WHERE user_id = ${param()}`, user.id)
		).toEqual([]);
		const { events } = await ctx.admin.query('users.accountEvents', { id: user.id });
		expect(events[0]).toMatchObject({
			type: 'two_factor_reset',
			actor: ctx.adminUser.id,
			data: { hadSecondFactor: true }
		});
		// The password alone signs in again, and the user may set up a new app.
		const device = new ApiClient(ctx.server.url);
		expect((await device.login(user.email, user.password)).user.id).toBe(user.id);
		await expectApiError(
			ctx.admin.mutate('users.resetTwoFactor', { id: 'nobody' }),
			'NOT_FOUND',
			'not_found'
		);
	});
});
