/**
 * The live streams the HTTP thread serves itself (node-handler.ts `STREAMS`; every other call
 * goes to the database thread on PostgreSQL) are exactly the router's subscriptions: a new
 * subscription left off the list would be handed to the database thread, which answers whole
 * JSON documents only.
 */
import type { AnyTRPCProcedure } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { appRouter } from './_app';
import { STREAMS } from './node-handler';

describe('the live streams served on the HTTP thread', () => {
	it('are the router’s subscriptions, all of them', () => {
		// Read from the router's definition, as tRPC itself finds procedures.
		const procedures = appRouter._def.procedures as unknown as Record<string, AnyTRPCProcedure>;
		const subscriptions = Object.entries(procedures)
			.filter(([, procedure]) => procedure._def.type === 'subscription')
			.map(([path]) => path)
			.sort();
		expect(subscriptions).toEqual(['link.signals', 'link.watch', 'requests.signals', 'sync.poke']);
		expect([...STREAMS].sort()).toEqual(subscriptions);
	});
});
