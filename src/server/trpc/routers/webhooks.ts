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
import type { Beckon } from '../../app';
import { adminProcedure, router } from '../trpc';

/** An admin's change to one endpoint, named by its id. */
const endpointChange = <T>(change: (app: Beckon, input: { id: string }) => T) =>
	adminProcedure.input(webhookIdSchema).mutation(({ ctx, input }) => change(ctx.app, input));

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
	rotateSecret: endpointChange(rotateWebhookSecret),
	delete: endpointChange(deleteWebhook),
	/** Sends a `webhook.test` event now and returns the delivery's outcome. */
	test: endpointChange(testWebhook),
	deliveries: adminProcedure
		.input(webhookIdSchema)
		.query(({ ctx, input }) => listWebhookDeliveries(ctx.app, input))
});
