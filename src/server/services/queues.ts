/** Queues: named groups of agents that requests can be assigned to. */
import { asc, eq, inArray } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { conflict, invalid, notFound } from '../../lib/domain/errors';
import { toIso } from '../../lib/domain/rules';
import { write, type Beckon } from '../app';
import { queueMembers, queues, users } from '../db/schema';
import { SYSTEM_ACTOR } from '../../lib/domain/types';
import { fallBack } from './fallback';
import { helpPageOf, setHelpPage, type HelpPageSettings } from './help-page';
import { bumpViewEpoch } from './users';

export interface Queue {
	id: string;
	name: string;
	memberIds: string[];
	/** Its public help page (services/help-page.ts). */
	helpPage: HelpPageSettings;
	createdAt: string;
	updatedAt: string;
}

export function listQueues(app: Beckon): Queue[] {
	const members = app.db.select().from(queueMembers).all();
	return app.db
		.select()
		.from(queues)
		.orderBy(asc(queues.name))
		.all()
		.map((q) => ({
			id: q.id,
			name: q.name,
			memberIds: members.filter((m) => m.queueId === q.id).map((m) => m.userId),
			helpPage: helpPageOf(q),
			createdAt: toIso(q.createdAt),
			updatedAt: toIso(q.updatedAt)
		}));
}

function getQueue(app: Beckon, id: string): Queue {
	const queue = listQueues(app).find((q) => q.id === id);
	if (!queue) throw notFound('No such queue');
	return queue;
}

function checkMembers(app: Beckon, memberIds: string[]) {
	const unique = [...new Set(memberIds)];
	if (unique.length === 0) return unique;
	const found = app.db.select({ id: users.id }).from(users).where(inArray(users.id, unique)).all();
	if (found.length !== unique.length) throw invalid('memberIds', 'contains an unknown user id');
	return unique;
}

function nameTaken(app: Beckon, name: string, exceptId?: string) {
	const row = app.db.select({ id: queues.id }).from(queues).where(eq(queues.name, name)).get();
	return row !== undefined && row.id !== exceptId;
}

export function createQueue(app: Beckon, input: { name: string; memberIds: string[] }): Queue {
	const id = uuidv7();
	write(app, () => {
		if (nameTaken(app, input.name)) throw conflict(`A queue named ${input.name} already exists`);
		const memberIds = checkMembers(app, input.memberIds);
		const now = app.clock();
		app.db.insert(queues).values({ id, name: input.name, createdAt: now, updatedAt: now }).run();
		for (const userId of memberIds)
			app.db.insert(queueMembers).values({ queueId: id, userId }).run();
		bumpViewEpoch(app, memberIds);
	});
	return getQueue(app, id);
}

/**
 * Renames a queue or sets its members. A member removed takes none of the queue's requests with
 * them: those they took from it go back to it (services/fallback.ts), in the same transaction.
 */
export function updateQueue(
	app: Beckon,
	input: { id: string; name?: string; memberIds?: string[] },
	actor: string = SYSTEM_ACTOR
): Queue {
	write(app, () => {
		const queue = getQueue(app, input.id);
		if (input.name !== undefined && nameTaken(app, input.name, input.id)) {
			throw conflict(`A queue named ${input.name} already exists`);
		}
		app.db
			.update(queues)
			.set({ name: input.name, updatedAt: app.clock() })
			.where(eq(queues.id, input.id))
			.run();
		if (input.memberIds !== undefined) {
			const memberIds = checkMembers(app, input.memberIds);
			app.db.delete(queueMembers).where(eq(queueMembers.queueId, input.id)).run();
			for (const userId of memberIds) {
				app.db.insert(queueMembers).values({ queueId: input.id, userId }).run();
			}
			// Who joined or left now sees a different set of requests.
			const changed = [
				...memberIds.filter((m) => !queue.memberIds.includes(m)),
				...queue.memberIds.filter((m) => !memberIds.includes(m))
			];
			bumpViewEpoch(app, changed);
			for (const userId of queue.memberIds.filter((m) => !memberIds.includes(m))) {
				fallBack(app, userId, 'left_queue', actor, input.id);
			}
		}
		if (input.name !== undefined) app.bus.hold({ everyone: true });
	});
	return getQueue(app, input.id);
}

/** An admin sets a queue's public help page (services/help-page.ts). */
export function updateHelpPage(app: Beckon, input: Parameters<typeof setHelpPage>[1]): Queue {
	setHelpPage(app, input);
	return getQueue(app, input.id);
}
