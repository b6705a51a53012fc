import { updateSettingsSchema } from '../../../lib/domain/schemas';
import { listOutbox } from '../../services/mail';
import { getSettings, updateSettings } from '../../services/settings';
import { adminProcedure, agentProcedure, router } from '../trpc';

export const settingsRouter = router({
	get: agentProcedure.query(({ ctx }) => getSettings(ctx.app)),
	update: adminProcedure
		.input(updateSettingsSchema)
		.mutation(({ ctx, input }) => updateSettings(ctx.app, input))
});

export const mailRouter = router({
	/** The outbox, so mail can be read without a mail server (the embedded default). */
	outbox: adminProcedure.query(({ ctx }) => listOutbox(ctx.app))
});
