import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { drizzlePostgres } from './index';
import type { SyncPostgres } from './postgres';
import { counters, settings, sessions } from './schema';

// The statements are only built here (toSQL), never sent: no connection is needed.
const db = drizzlePostgres({} as SyncPostgres);

describe('drizzle on PostgreSQL', () => {
	it('numbers parameters in the order they are bound', () => {
		const query = db
			.select({ id: sessions.id })
			.from(sessions)
			.where(eq(sessions.userId, 'u1'))
			.limit(5)
			.toSQL();
		expect(query.sql).toBe('select "id" from "sessions" where "sessions"."user_id" = $1 limit $2');
		expect(query.params).toEqual(['u1', 5]);
		const placeholders = db
			.update(counters)
			.set({ value: sql`${counters.value} + ${sql.placeholder('count')}` })
			.where(eq(counters.name, 'version'))
			.toSQL();
		expect(placeholders.sql).toBe(
			'update "counters" set "value" = "counters"."value" + $1 where "counters"."name" = $2'
		);
	});

	it('names an ON CONFLICT target by its columns alone', () => {
		const upsert = db
			.insert(settings)
			.values({ key: 'k', value: 'v' })
			.onConflictDoUpdate({ target: settings.key, set: { value: 'w' } })
			.toSQL();
		expect(upsert.sql).toBe(
			'insert into "settings" ("key", "value") values ($1, $2) on conflict ("key") do update set "value" = $3'
		);
		const ignore = db.insert(settings).values({ key: 'k', value: 'v' }).onConflictDoNothing();
		expect(ignore.toSQL().sql).toBe(
			'insert into "settings" ("key", "value") values ($1, $2) on conflict do nothing'
		);
	});
});
