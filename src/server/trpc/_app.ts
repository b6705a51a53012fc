/** The whole API: one router per resource. */
import { accountRouter } from './routers/account';
import { authRouter } from './routers/auth';
import { helpRouter } from './routers/help';
import { linkRouter } from './routers/link';
import { queuesRouter } from './routers/queues';
import { reportsRouter } from './routers/reports';
import { requestsRouter } from './routers/requests';
import { mailRouter } from './routers/mail';
import { passkeysRouter } from './routers/passkeys';
import { privacyRouter } from './routers/privacy';
import { pushRouter } from './routers/push';
import { settingsRouter } from './routers/settings';
import { ssoRouter } from './routers/sso';
import { syncRouter } from './routers/sync';
import { tokensRouter } from './routers/tokens';
import { usersRouter } from './routers/users';
import { webhooksRouter } from './routers/webhooks';
import { router } from './trpc';

export const appRouter = router({
	auth: authRouter,
	users: usersRouter,
	queues: queuesRouter,
	tokens: tokensRouter,
	requests: requestsRouter,
	link: linkRouter,
	help: helpRouter,
	sync: syncRouter,
	settings: settingsRouter,
	mail: mailRouter,
	privacy: privacyRouter,
	push: pushRouter,
	webhooks: webhooksRouter,
	reports: reportsRouter,
	sso: ssoRouter,
	account: accountRouter,
	passkeys: passkeysRouter
});

export type AppRouter = typeof appRouter;
