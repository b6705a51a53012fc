/**
 * Web Push and the signed-in user's notification settings: the server's VAPID key, the user's
 * devices (subscribe, unsubscribe, list, remove) and which alerts reach them.
 */
import {
	notificationPreferencesSchema,
	pushRemoveDeviceSchema,
	pushSubscribeSchema,
	pushUnsubscribeSchema
} from '../../../lib/domain/schemas';
import {
	getPreferences,
	listDevices,
	removeDevice,
	subscribe,
	unsubscribe,
	updatePreferences
} from '../../services/push';
import { agentProcedure, publicProcedure, router } from '../trpc';

export const pushRouter = router({
	/** The key browsers subscribe with (`applicationServerKey`): a base64url P-256 point. */
	vapidPublicKey: publicProcedure.query(({ ctx }) => ({ key: ctx.app.vapid.publicKey })),
	subscribe: agentProcedure
		.input(pushSubscribeSchema)
		.mutation(({ ctx, input }) => subscribe(ctx.app, ctx.user.id, input)),
	unsubscribe: agentProcedure
		.input(pushUnsubscribeSchema)
		.mutation(({ ctx, input }) => ({ ok: unsubscribe(ctx.app, ctx.user.id, input.endpoint) })),
	devices: agentProcedure.query(({ ctx }) => listDevices(ctx.app, ctx.user.id)),
	removeDevice: agentProcedure
		.input(pushRemoveDeviceSchema)
		.mutation(({ ctx, input }) => removeDevice(ctx.app, ctx.user.id, input.id)),
	preferences: agentProcedure.query(({ ctx }) => getPreferences(ctx.app, ctx.user.id)),
	setPreferences: agentProcedure
		.input(notificationPreferencesSchema)
		.mutation(({ ctx, input }) => updatePreferences(ctx.app, ctx.user.id, input))
});
