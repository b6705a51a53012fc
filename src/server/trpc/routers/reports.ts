/** Reports: admins see everyone's figures, agents their own. */
import { reportSummarySchema } from '../../../lib/domain/schemas';
import { reportSummary } from '../../services/reports';
import { requireRead } from '../../services/requests';
import { agentProcedure, router } from '../trpc';

export const reportsRouter = router({
	summary: agentProcedure.input(reportSummarySchema).query(({ ctx, input }) => {
		requireRead(ctx.user);
		return reportSummary(ctx.app, ctx.user, input);
	})
});
