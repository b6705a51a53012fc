/** End users' personal data, for admins: find it, export it, erase it (services/privacy.ts). */
import { eraseEmailSchema, privacyEmailSchema } from '../../../lib/domain/schemas';
import { erasePersonalData, exportPersonalData, findPersonalData } from '../../services/privacy';
import { adminProcedure, router } from '../trpc';

export const privacyRouter = router({
	/** Everything held about an address: requests, messages and other events quoting it. */
	search: adminProcedure
		.input(privacyEmailSchema)
		.query(({ ctx, input }) => findPersonalData(ctx.app, input.email)),
	/** The subject access export, as the JSON document handed to the person. */
	export: adminProcedure
		.input(privacyEmailSchema)
		.query(({ ctx, input }) => exportPersonalData(ctx.app, input.email)),
	/** Erases it all in one transaction; `confirmEmail` must repeat the address. */
	erase: adminProcedure
		.input(eraseEmailSchema)
		.mutation(({ ctx, input }) => erasePersonalData(ctx.app, ctx.user, input))
});
