/**
 * Who is signed in on this device. The user is kept in the local database so that a device that
 * signed in before opens offline with its data; the server session is checked whenever the
 * network allows, and a session the server no longer honours wipes the local data.
 */
import { parseDuration } from '../domain/rules';
import type { Language, Permission, Role } from '../domain/types';
import type { Api } from './api';
import { refusalOf } from './refusal';
import type { BeckonDB } from './db';
import { wipeLocalData } from './store';

export interface SignedInUser {
	id: string;
	email: string;
	name: string;
	role: Role;
	permission: Permission;
	queueIds: string[];
	/** The app language the user chose (account screen); null: the browser's language. */
	language: Language | null;
	organizationName: string;
	defaultExpiryMs: number;
	defaultLanguage: Language;
}

async function fetchUser(api: Api): Promise<SignedInUser> {
	const [{ user }, settings] = await Promise.all([api.auth.me.query(), api.settings.get.query()]);
	return {
		id: user.id,
		email: user.email,
		name: user.name,
		role: user.role,
		permission: user.permission,
		queueIds: user.queueIds,
		language: user.language,
		organizationName: settings.organizationName,
		defaultExpiryMs: parseDuration(settings.defaultExpiry) ?? 7 * 86_400_000,
		defaultLanguage: settings.defaultLanguage
	};
}

/** A sign-in that waits for its second step: the app's code, or setting up an app first. */
export interface PendingSignIn {
	step: 'code' | 'enrol';
	pendingToken: string;
	/** How the `code` step can be made: the authenticator app, a passkey. */
	methods: ('totp' | 'passkey')[];
}

/** The password step: signed in, or a second step to take (`PendingSignIn`). */
export async function signIn(
	api: Api,
	db: BeckonDB,
	email: string,
	password: string
): Promise<SignedInUser | PendingSignIn> {
	const answer = await api.auth.login.mutate({ email, password });
	if ('secondFactor' in answer && answer.secondFactor) {
		const { step, pendingToken, methods } = answer.secondFactor;
		return { step, pendingToken, methods };
	}
	return finishSignIn(api, db);
}

/** After the server set the session cookie: who we are, kept on the device. */
export async function finishSignIn(api: Api, db: BeckonDB): Promise<SignedInUser> {
	const user = await fetchUser(api);
	const previous = await db.getMeta<SignedInUser>('user');
	// Another account's data never stays on a shared device.
	if (previous && previous.id !== user.id) await wipeLocalData(db);
	await db.setMeta('user', user);
	return user;
}

export async function signOut(api: Api, db: BeckonDB) {
	await wipeLocalData(db);
	try {
		await api.auth.logout.mutate({});
	} catch {
		// Offline: the local data is gone already; the cookie expires on its own.
	}
}

/**
 * The user's app language on every device (null: each browser's own). Kept on this device
 * before it answers, so the reload that applies it starts with the new language.
 */
export async function setLanguage(
	api: Api,
	db: BeckonDB,
	language: Language | null
): Promise<SignedInUser> {
	await api.account.setLanguage.mutate({ language });
	const user = await fetchUser(api);
	await db.setMeta('user', user);
	return user;
}

/** The user remembered on this device, if any (works offline). */
export function rememberedUser(db: BeckonDB) {
	return db.getMeta<SignedInUser>('user');
}

/**
 * Asks the server who we are. `signedOut` when it says nobody (the local data is then wiped),
 * `unreachable` when offline, else the fresh user (queues and permission may have changed).
 */
export async function verifySession(
	api: Api,
	db: BeckonDB
): Promise<SignedInUser | 'signedOut' | 'unreachable'> {
	try {
		const user = await fetchUser(api);
		await db.setMeta('user', user);
		return user;
	} catch (error) {
		if (refusalOf(error)?.reason === 'unauthenticated') {
			await wipeLocalData(db);
			return 'signedOut';
		}
		return 'unreachable';
	}
}
