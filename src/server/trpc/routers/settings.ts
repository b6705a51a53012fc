import { updateSettingsSchema } from '../../../lib/domain/schemas';
import { getSettings, updateSettings } from '../../services/settings';
import { adminProcedure, agentProcedure, router } from '../trpc';

export const settingsRouter = router({
	get: agentProcedure.query(({ ctx }) => getSettings(ctx.app)),
	update: adminProcedure
		.input(updateSettingsSchema)
		.mutation(({ ctx, input }) => updateSettings(ctx.app, input))
});
