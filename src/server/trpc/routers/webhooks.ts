/** Outbound webhooks for admins: endpoints, their secrets, a test event and the delivery log. */
import {
	createWebhookSchema,
	updateWebhookSchema,
	webhookIdSchema
} from '../../../lib/domain/schemas';
import {
	createWebhook,
	deleteWebhook,
	listWebhookDeliveries,
	listWebhooks,
	rotateWebhookSecret,
	testWebhook,
	updateWebhook
} from '../../services/webhooks';
import { adminProcedure, router } from '../trpc';

export const webhooksRouter = router({
	list: adminProcedure.query(({ ctx }) => listWebhooks(ctx.app)),
	/** → `{id, secret, endpoint}`: the `whsec_…` secret is shown this once. */
	create: adminProcedure
		.input(createWebhookSchema)
		.mutation(({ ctx, input }) => createWebhook(ctx.app, ctx.user, input)),
	update: adminProcedure
		.input(updateWebhookSchema)
		.mutation(({ ctx, input }) => updateWebhook(ctx.app, input)),
	/** → `{id, secret, endpoint}`; the previous secret still signs for 24 hours. */
	rotateSecret: adminProcedure
		.input(webhookIdSchema)
		.mutation(({ ctx, input }) => rotateWebhookSecret(ctx.app, input)),
	delete: adminProcedure
		.input(webhookIdSchema)
		.mutation(({ ctx, input }) => deleteWebhook(ctx.app, input)),
	/** Sends a `webhook.test` event now and returns the delivery's outcome. */
	test: adminProcedure
		.input(webhookIdSchema)
		.mutation(({ ctx, input }) => testWebhook(ctx.app, input)),
	deliveries: adminProcedure
		.input(webhookIdSchema)
		.query(({ ctx, input }) => listWebhookDeliveries(ctx.app, input))
});
