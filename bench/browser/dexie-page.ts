/**
 * Runs in Chromium (bundled by bench/cases/dexie-apply.ts): applies pull pages with the app's own
 * `applyPull` into a fresh `BeckonDB`, and writes the same rows with raw IndexedDB puts into the
 * same stores and indexes, one transaction per page, as the limit.
 */
import { BeckonDB } from '../../src/lib/client/db';
import { rawPuts } from './raw-idb';
import { applyPull } from '../../src/lib/client/store';
import type { SessionRequest } from '../../src/lib/domain/types';

function makeRows(count: number, prefix: string): SessionRequest[] {
	const now = Date.now();
	return Array.from({ length: count }, (_, i) => {
		const at = new Date(now - i * 60_000).toISOString();
		return {
			id: `${prefix}-${String(i).padStart(8, '0')}`,
			recipientName: `Recipient ${String(i).padStart(6, '0')}`,
			recipientEmail: `recipient${i}@example.com`,
			sendEmail: false,
			emailLanguage: 'en',
			comments: `Printer on floor ${i % 9} will not connect to the office network (ticket ${i}).`,
			scheduledAt: null,
			expiresAt: new Date(now + 7 * 86_400_000).toISOString(),
			assignment: { kind: 'agent', userId: 'agent-1' },
			status: 'open',
			closedReason: null,
			connectRequested: false,
			endUserSeenAt: null,
			createdBy: 'agent-1',
			createdAt: at,
			updatedAt: at,
			statusChangedAt: at,
			version: i + 1,
			link: `https://beckon.example/s/${'x'.repeat(48)}`
		} as SessionRequest;
	});
}

const context = {
	userId: 'agent-1',
	isAdmin: false,
	queueIds: [],
	now: Date.now(),
	defaultExpiryMs: 7 * 86_400_000,
	defaultLanguage: 'en' as const
};

async function dexieApply(name: string, rows: SessionRequest[], pageSize: number) {
	const db = new BeckonDB(name);
	await db.open();
	const start = performance.now();
	for (let i = 0; i < rows.length; i += pageSize) {
		const changes = rows.slice(i, i + pageSize);
		await applyPull(
			db,
			{
				changes,
				deleted: [],
				cursor: `${i + changes.length}.0`,
				serverTime: new Date().toISOString(),
				lastMutationId: 0,
				more: i + pageSize < rows.length
			},
			context
		);
	}
	const ms = performance.now() - start;
	const stored = await db.requests.count();
	db.close();
	if (stored !== rows.length) throw new Error(`Dexie stored ${stored} of ${rows.length}`);
	return ms;
}

declare global {
	interface Window {
		benchRound(
			round: number,
			count: number,
			pageSize: number
		): Promise<{ dexieMs: number; rawMs: number }>;
	}
}

window.benchRound = async (round, count, pageSize) => {
	const rows = makeRows(count, `r${round}`);
	// Alternate which goes first, so neither always meets a warmer (or fuller) disk cache.
	if (round % 2 === 0) {
		const rawMs = await rawPuts(`raw-${round}`, rows, pageSize);
		const dexieMs = await dexieApply(`dexie-${round}`, rows, pageSize);
		return { dexieMs, rawMs };
	}
	const dexieMs = await dexieApply(`dexie-${round}`, rows, pageSize);
	const rawMs = await rawPuts(`raw-${round}`, rows, pageSize);
	return { dexieMs, rawMs };
};
