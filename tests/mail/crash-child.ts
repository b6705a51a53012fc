/**
 * A Beckon server for the crash test, run as its own process (built by crash.spec.ts): the API
 * on a random port and the mail delivery job, on the data folder and SMTP server it is given.
 * Prints `{"url": …}` once it listens; the test kills it with SIGKILL.
 */
import * as deliveryJob from '../../src/server/jobs/mail-delivery';
import { startTestServer } from '../support/server';

const env = process.env;
const server = await startTestServer({
	dataDir: env.CHILD_DATA_DIR,
	env: {
		BECKON_MAIL_FROM: 'Beckon <noreply@beckon.test>',
		...(env.CHILD_SMTP_URL ? { BECKON_SMTP_URL: env.CHILD_SMTP_URL } : {})
	}
});
deliveryJob.start(server.app, {
	// Short, so the test need not wait five minutes for a dead attempt's lease to run out.
	leaseMs: Number(env.CHILD_LEASE_MS ?? 1_000),
	intervalMs: 100
});
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
