import { describe, expect, it } from 'vitest';
import { describeFailure } from './transport';

const smtpError = (message: string, code: string, responseCode?: number) =>
	Object.assign(new Error(message), { code, responseCode });

describe('describeFailure', () => {
	it('gives up at once only when the server refuses the message or recipient for good', () => {
		expect(describeFailure(smtpError('550 No such user', 'EENVELOPE', 550)).permanent).toBe(true);
		expect(describeFailure(smtpError('554 Rejected', 'EMESSAGE', 554)).permanent).toBe(true);
	});

	it('retries temporary refusals, connection trouble and authentication failures', () => {
		expect(describeFailure(smtpError('451 Greylisted', 'EENVELOPE', 451)).permanent).toBe(false);
		expect(describeFailure(smtpError('connect ECONNREFUSED', 'ESOCKET')).permanent).toBe(false);
		expect(describeFailure(smtpError('Timeout', 'ETIMEDOUT')).permanent).toBe(false);
		expect(describeFailure(smtpError('535 Bad credentials', 'EAUTH', 535)).permanent).toBe(false);
	});

	it('keeps the message on one bounded line', () => {
		const failure = describeFailure(new Error(`line one\r\nline two ${'x'.repeat(2000)}`));
		expect(failure.message).not.toMatch(/[\r\n]/);
		expect(failure.message.length).toBe(1000);
		expect(describeFailure('plain').message).toBe('plain');
	});
});
