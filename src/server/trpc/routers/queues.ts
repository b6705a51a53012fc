import {
	createQueueSchema,
	setHelpPageSchema,
	updateQueueSchema
} from '../../../lib/domain/schemas';
import { createQueue, listQueues, updateHelpPage, updateQueue } from '../../services/queues';
import { adminProcedure, agentProcedure, router } from '../trpc';

export const queuesRouter = router({
	list: agentProcedure.query(({ ctx }) => listQueues(ctx.app)),
	create: adminProcedure
		.input(createQueueSchema)
		.mutation(({ ctx, input }) => ({ queue: createQueue(ctx.app, input) })),
	update: adminProcedure
		.input(updateQueueSchema)
		.mutation(({ ctx, input }) => ({ queue: updateQueue(ctx.app, input, ctx.user.id) })),
	/** Turns a queue's public help page on or off, with its address, message and hours. */
	setHelpPage: adminProcedure
		.input(setHelpPageSchema)
		.mutation(({ ctx, input }) => ({ queue: updateHelpPage(ctx.app, input) }))
});
