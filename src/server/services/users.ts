/** Users: the accounts of agents and admins. */
import { hash } from '@node-rs/argon2';
import { asc, eq, isNotNull, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { conflict, notFound } from '../../lib/domain/errors';
import { canEdit } from '../../lib/domain/rules';
import {
	SYSTEM_ACTOR,
	type Language,
	type Permission,
	type Role,
	type Viewer
} from '../../lib/domain/types';
import { write, type Beckon } from '../app';
import { prepareSql } from '../db/plain-sql';
import { prepared } from '../db/prepared';
import { queueMembers, secondFactors, users, viewEpochs, type UserRow } from '../db/schema';
import { fallBack } from './fallback';

/** A signed-in user, as every procedure sees them. */
export interface AuthUser extends Viewer {
	email: string;
	name: string;
	active: boolean;
}

export interface PublicUser {
	id: string;
	email: string;
	name: string;
	role: Role;
	permission: Permission;
	active: boolean;
	/** The app's language the user chose; null: the browser's, then the organisation's default. */
	language: Language | null;
	queueIds: string[];
	/** Whether the account signs in with an authenticator app (never the secret itself). */
	twoFactorEnabled: boolean;
	createdAt: string;
	updatedAt: string;
}

export function hashPassword(password: string): Promise<string> {
	// argon2id with the library's defaults (19 MiB, 2 passes): OWASP's recommended minimum.
	return hash(password);
}

// These two run for every signed-in call (and every poke): prepared once.
const queueIdsByUser = prepared((db) =>
	db
		.select({ queueId: queueMembers.queueId })
		.from(queueMembers)
		.where(eq(queueMembers.userId, sql.placeholder('userId')))
		.prepare()
);
const userById = prepared((db) =>
	db
		.select()
		.from(users)
		.where(eq(users.id, sql.placeholder('id')))
		.prepare()
);

function queueIdsOf(app: Beckon, userId: string): string[] {
	return queueIdsByUser(app.db)
		.all({ userId })
		.map((r) => r.queueId);
}

/** What every shape of a user carries of its row. */
function userFields(row: UserRow) {
	const { id, email, name, role, permission, active } = row;
	return { id, email, name, role, permission, active, language: row.language ?? null };
}

function toPublicUser(row: UserRow, queueIds: string[], twoFactorEnabled: boolean): PublicUser {
	return {
		...userFields(row),
		queueIds,
		twoFactorEnabled,
		createdAt: new Date(row.createdAt).toISOString(),
		updatedAt: new Date(row.updatedAt).toISOString()
	};
}

/** The acting user with their queues, or null if the account is gone or deactivated. */
export function loadAuthUser(app: Beckon, userId: string): AuthUser | null {
	const row = userById(app.db).get({ id: userId });
	if (!row || !row.active) return null;
	return { ...userFields(row), queueIds: queueIdsOf(app, row.id) };
}

export function getUser(app: Beckon, userId: string): PublicUser {
	const row = app.db.select().from(users).where(eq(users.id, userId)).get();
	if (!row) throw notFound('No such user');
	const factor = app.db
		.select({ confirmedAt: secondFactors.confirmedAt })
		.from(secondFactors)
		.where(eq(secondFactors.userId, userId))
		.get();
	return toPublicUser(row, queueIdsOf(app, userId), !!factor?.confirmedAt);
}

export function listUsers(app: Beckon): PublicUser[] {
	const memberships = new Map<string, string[]>();
	for (const m of app.db.select().from(queueMembers).all()) {
		memberships.set(m.userId, [...(memberships.get(m.userId) ?? []), m.queueId]);
	}
	const withFactor = new Set(
		app.db
			.select({ userId: secondFactors.userId })
			.from(secondFactors)
			.where(isNotNull(secondFactors.confirmedAt))
			.all()
			.map((r) => r.userId)
	);
	return app.db
		.select()
		.from(users)
		.orderBy(asc(users.name))
		.all()
		.map((row) => toPublicUser(row, memberships.get(row.id) ?? [], withFactor.has(row.id)));
}

/**
 * A short directory entry other agents may see (for assignment pickers and timelines). Only
 * admins get colleagues' emails: an agent sees their own, and `''` for everyone else, so that a
 * signed-in account is no list of whom to target.
 */
export function listDirectory(app: Beckon, viewer: Pick<AuthUser, 'id' | 'role'>) {
	const entries = app.db
		.select({
			id: users.id,
			name: users.name,
			email: users.email,
			role: users.role,
			active: users.active
		})
		.from(users)
		.orderBy(asc(users.name))
		.all();
	if (viewer.role === 'admin') return entries;
	return entries.map((entry) => (entry.id === viewer.id ? entry : { ...entry, email: '' }));
}

export function userCount(app: Beckon): number {
	return (
		app.db
			.select({ n: sql<number>`count(*)` })
			.from(users)
			.get()?.n ?? 0
	);
}

function emailTaken(app: Beckon, email: string, exceptId?: string) {
	const row = app.db.select({ id: users.id }).from(users).where(eq(users.email, email)).get();
	return row !== undefined && row.id !== exceptId;
}

export async function createUser(
	app: Beckon,
	input: { email: string; name: string; password: string; role: Role; permission: Permission }
): Promise<PublicUser> {
	const email = input.email.toLowerCase();
	if (emailTaken(app, email)) throw conflict(`A user with email ${email} already exists`);
	const passwordHash = await hashPassword(input.password);
	const now = app.clock();
	const id = uuidv7();
	write(app, () => {
		// Checked again inside the transaction: the hash above yielded to other requests.
		if (emailTaken(app, email)) throw conflict(`A user with email ${email} already exists`);
		app.db
			.insert(users)
			.values({
				id,
				email,
				name: input.name,
				passwordHash,
				role: input.role,
				permission: input.permission,
				active: true,
				createdAt: now,
				updatedAt: now
			})
			.run();
	});
	return getUser(app, id);
}

/** The user's own app language (null: follow the browser); every device picks it up on sync. */
export function setLanguage(app: Beckon, userId: string, language: Language | null): PublicUser {
	write(app, () => {
		app.db
			.update(users)
			.set({ language, updatedAt: app.clock() })
			.where(eq(users.id, userId))
			.run();
	});
	return getUser(app, userId);
}

/** Makes the user's next pull start over: what they may see changed without a request changing. */
export function bumpViewEpoch(app: Beckon, userIds: readonly string[]) {
	for (const userId of userIds) {
		app.db
			.insert(viewEpochs)
			.values({ userId, epoch: 1 })
			.onConflictDoUpdate({
				target: viewEpochs.userId,
				set: { epoch: sql`${viewEpochs.epoch} + 1` }
			})
			.run();
	}
	if (userIds.length > 0) app.bus.hold({ userIds });
}

/**
 * Changes an account. Deactivating an agent, or taking them below edit, moves their live
 * requests to where others will pick them up (services/fallback.ts) in the same transaction;
 * `actor` (the admin making the change) is named on those requests' timelines.
 */
export async function updateUser(
	app: Beckon,
	input: {
		id: string;
		email?: string;
		name?: string;
		password?: string;
		role?: Role;
		permission?: Permission;
		active?: boolean;
	},
	actor: string = SYSTEM_ACTOR
): Promise<PublicUser> {
	const passwordHash =
		input.password === undefined ? undefined : await hashPassword(input.password);
	const email = input.email?.toLowerCase();
	write(app, () => {
		const row = app.db.select().from(users).where(eq(users.id, input.id)).get();
		if (!row) throw notFound('No such user');
		if (email !== undefined && emailTaken(app, email, row.id)) {
			throw conflict(`A user with email ${email} already exists`);
		}
		const demotesLastAdmin =
			row.role === 'admin' &&
			row.active &&
			((input.role !== undefined && input.role !== 'admin') || input.active === false);
		if (demotesLastAdmin && activeAdminCount(app) <= 1) {
			throw conflict('The last active admin cannot be demoted or deactivated');
		}
		app.db
			.update(users)
			.set({
				email,
				name: input.name,
				passwordHash,
				role: input.role,
				permission: input.permission,
				active: input.active,
				updatedAt: app.clock()
			})
			.where(eq(users.id, input.id))
			.run();
		if (input.active === false || passwordHash !== undefined) revokeSessionsOf(app, input.id);
		const after = { role: input.role ?? row.role, permission: input.permission ?? row.permission };
		if (row.active && input.active === false) {
			fallBack(app, row.id, 'deactivated', actor);
		} else if (row.active && canEdit(row) && !canEdit(after)) {
			fallBack(app, row.id, 'downgraded', actor);
		}
		if (input.role !== undefined || input.permission !== undefined || input.active !== undefined) {
			bumpViewEpoch(app, [input.id]);
		}
	});
	return getUser(app, input.id);
}

function activeAdminCount(app: Beckon): number {
	return (
		app.db
			.select({ n: sql<number>`count(*)` })
			.from(users)
			.where(sql`${users.role} = 'admin' AND ${users.active} = 1`)
			.get()?.n ?? 0
	);
}

function revokeSessionsOf(app: Beckon, userId: string) {
	prepareSql(app.db, (param) => `DELETE FROM sessions WHERE user_id = ${param()}`).run(userId);
}

/** Creates the admin named by BECKON_ADMIN_EMAIL/PASSWORD when the database has no user yet. */
export async function bootstrapAdmin(app: Beckon): Promise<PublicUser | null> {
	if (!app.config.admin || userCount(app) > 0) return null;
	return createUser(app, {
		email: app.config.admin.email,
		name: 'Administrator',
		password: app.config.admin.password,
		role: 'admin',
		permission: 'edit'
	});
}
