/** The outbox for admins: read what was (or will be) sent, and send again. */
import { z } from 'zod';
import { getMail, listOutbox, resendMail } from '../../services/mail';
import { adminProcedure, router } from '../trpc';

const mailId = z.object({ id: z.uuid({ message: 'must be a UUID' }) });

export const mailRouter = router({
	/** The latest messages, newest first: readable without a mail server (the embedded default). */
	outbox: adminProcedure.query(({ ctx }) => listOutbox(ctx.app)),
	/** One message with its calendar part. */
	get: adminProcedure.input(mailId).query(({ ctx, input }) => getMail(ctx.app, input.id)),
	/** Queues a message again (a sent one as a new copy). */
	resend: adminProcedure.input(mailId).mutation(({ ctx, input }) => resendMail(ctx.app, input.id)),
	/** Whether mail leaves the server, and as whom. */
	status: adminProcedure.query(({ ctx }) => ({
		smtpConfigured: ctx.app.config.smtpUrl !== null,
		from: ctx.app.config.mailFrom
	}))
});
