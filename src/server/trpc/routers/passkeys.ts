/** The signed-in user's passkeys: add (options, then the authenticator's answer), list, rename, remove. */
import { z } from 'zod';
import {
	passkeyIdSchema,
	registerPasskeySchema,
	renamePasskeySchema
} from '../../../lib/domain/passkeys';
import {
	listPasskeys,
	registerPasskey,
	registrationOptions,
	removePasskey,
	renamePasskey
} from '../../services/passkeys';
import { agentProcedure, router } from '../trpc';

export const passkeysRouter = router({
	/** Name, created, last used: never a key. */
	list: agentProcedure.query(({ ctx }) => ({ passkeys: listPasskeys(ctx.app, ctx.user.id) })),
	/** `navigator.credentials.create()` options (JSON), good for one answer within five minutes. */
	registrationOptions: agentProcedure
		.input(z.object({}).optional())
		.mutation(({ ctx }) => registrationOptions(ctx.app, ctx.user)),
	/** The authenticator's answer to those options, verified → `{passkey}`. */
	register: agentProcedure.input(registerPasskeySchema).mutation(async ({ ctx, input }) => ({
		passkey: await registerPasskey(ctx.app, ctx.user, input)
	})),
	rename: agentProcedure.input(renamePasskeySchema).mutation(({ ctx, input }) => ({
		passkey: renamePasskey(ctx.app, ctx.user, input.id, input.name)
	})),
	remove: agentProcedure.input(passkeyIdSchema).mutation(({ ctx, input }) => {
		removePasskey(ctx.app, ctx.user, input.id);
		return { ok: true as const };
	})
});
