/** API tokens for integrations, created by admins and shown once. */
import { desc, eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { notFound } from '../../lib/domain/errors';
import { toIso } from '../../lib/domain/rules';
import { write, type Beckon } from '../app';
import { apiTokens } from '../db/schema';
import { API_TOKEN_PREFIX, sha256 } from './auth';
import type { AuthUser } from './users';

export function createApiToken(app: Beckon, user: AuthUser, input: { name: string }) {
	const token = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
	const id = uuidv7();
	const now = app.clock();
	write(app, () =>
		app.db
			.insert(apiTokens)
			.values({
				id,
				name: input.name,
				tokenHash: sha256(token),
				createdBy: user.id,
				createdAt: now
			})
			.run()
	);
	return { id, name: input.name, token, createdAt: toIso(now) };
}

export function revokeApiToken(app: Beckon, input: { id: string }) {
	write(app, () => {
		const row = app.db.select().from(apiTokens).where(eq(apiTokens.id, input.id)).get();
		if (!row) throw notFound('No such API token');
		if (row.revokedAt === null) {
			app.db
				.update(apiTokens)
				.set({ revokedAt: app.clock() })
				.where(eq(apiTokens.id, input.id))
				.run();
		}
	});
	return { ok: true as const };
}

export function listApiTokens(app: Beckon) {
	return app.db
		.select()
		.from(apiTokens)
		.orderBy(desc(apiTokens.createdAt))
		.all()
		.map((t) => ({
			id: t.id,
			name: t.name,
			createdBy: t.createdBy,
			createdAt: toIso(t.createdAt),
			lastUsedAt: toIso(t.lastUsedAt),
			revokedAt: toIso(t.revokedAt)
		}));
}
