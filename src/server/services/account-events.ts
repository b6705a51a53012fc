/** The accounts' audit log (`account_events`): who changed how a user signs in, and when. */
import { desc, eq } from 'drizzle-orm';
import type { Beckon } from '../app';
import { prepareSql } from '../db/plain-sql';
import { prepared } from '../db/prepared';
import { accountEvents, type AccountEventType } from '../db/schema';

export function recordAccountEvent(
	app: Beckon,
	event: { userId: string; type: AccountEventType; actor: string; data?: Record<string, unknown> }
) {
	// Plain SQL: drizzle would send the autoincrement id as null, which PostgreSQL's identity
	// column refuses.
	insertEvent(app.db).run(
		event.userId,
		event.type,
		event.actor,
		app.clock(),
		JSON.stringify(event.data ?? {})
	);
}

const insertEvent = prepared((db) =>
	prepareSql(
		db,
		(param) =>
			`INSERT INTO account_events (user_id, type, actor, at, data) VALUES (${param()}, ${param()}, ${param()}, ${param()}, ${param()})`
	)
);

/** A user's account events, newest first (at most 200). */
export function listAccountEvents(app: Beckon, userId: string) {
	return app.db
		.select()
		.from(accountEvents)
		.where(eq(accountEvents.userId, userId))
		.orderBy(desc(accountEvents.id))
		.limit(200)
		.all()
		.map((row) => ({
			id: row.id,
			type: row.type,
			actor: row.actor,
			at: new Date(row.at).toISOString(),
			data: row.data
		}));
}
