/**
 * The admin's single sign-on settings: read (the client secret never, `hasSecret` instead),
 * change, and test against the provider before relying on it.
 */
import { updateSsoSchema } from '../../../lib/domain/sso';
import { getSso, ssoClientForTest, updateSso } from '../../services/sso-settings';
import { testProvider } from '../../sso/oidc-client';
import { adminProcedure, router } from '../trpc';

export const ssoRouter = router({
	get: adminProcedure.query(({ ctx }) => getSso(ctx.app)),
	update: adminProcedure
		.input(updateSsoSchema)
		.mutation(({ ctx, input }) => updateSso(ctx.app, ctx.user, input)),
	/**
	 * Discovery and the client's credentials checked with the provider, for the stored settings
	 * or the ones given (not saved): `{ok, reason, message, issuer, endSession}`.
	 */
	test: adminProcedure
		.input(updateSsoSchema.optional())
		.mutation(({ ctx, input }) => testProvider(ssoClientForTest(ctx.app, input ?? {})))
});
