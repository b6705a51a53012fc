/**
 * Structured JSON logs (pino) on stdout. Never log secrets or session link tokens: requests are
 * logged by route id (`/s/[token]`, not the path) and procedure name (not the input), and the
 * redaction below catches the usual suspects if an object slips through.
 */
import pino from 'pino';

export const log = pino({
	level: process.env.LOG_LEVEL ?? (process.env.VITEST ? 'warn' : 'info'),
	base: { service: 'beckon' },
	timestamp: pino.stdTimeFunctions.isoTime,
	redact: {
		paths: [
			'token',
			'*.token',
			'password',
			'*.password',
			'cookie',
			'*.cookie',
			'authorization',
			'*.authorization',
			'headers.cookie',
			'headers.authorization'
		],
		censor: '[redacted]'
	}
});
