/** An error crossing from the database thread keeps what the API answers with. */
import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { DomainError, DomainErrorReason, invalid } from '../../lib/domain/errors';
import { DatabaseUnavailableError, PostgresError } from '../db/postgres';
import { fromWire, isUnavailable, toWire } from './messages';

/** Through structured cloning, as postMessage carries it. */
const across = (error: unknown) => fromWire(structuredClone(toWire(error)));

describe('errors between the threads', () => {
	it('keep a refusal’s reason, field and message', () => {
		const back = across(invalid('recipientEmail', 'must be an email address'));
		expect(back).toBeInstanceOf(DomainError);
		expect(back).toMatchObject({
			reason: DomainErrorReason.invalid,
			field: 'recipientEmail',
			message: 'recipientEmail: must be an email address'
		});
		expect(across(new DomainError(DomainErrorReason.rateLimited, 'slow down'))).toMatchObject({
			reason: 'rate_limited',
			message: 'slow down'
		});
		expect(
			across(
				new DomainError(DomainErrorReason.linkDead, 'This link has expired', undefined, 'expired')
			)
		).toMatchObject({
			reason: 'link_dead',
			detail: 'expired',
			explanation: 'This link has expired'
		});
	});

	it('keep a tRPC error’s code', () => {
		const back = across(new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' }));
		expect(back).toBeInstanceOf(TRPCError);
		expect(back).toMatchObject({ code: 'UNAUTHORIZED', message: 'Sign in first' });
	});

	it('keep "the database is unavailable", and count lock and statement timeouts as such', () => {
		const back = across(new DatabaseUnavailableError('PostgreSQL is unavailable: refused'));
		expect(isUnavailable(back)).toBe(true);
		expect(back.message).toBe('PostgreSQL is unavailable: refused');
		expect(
			isUnavailable(new PostgresError('canceling statement due to lock timeout', '55P03'))
		).toBe(true);
		expect(
			isUnavailable(new PostgresError('canceling statement due to statement timeout', '57014'))
		).toBe(true);
		expect(isUnavailable(new PostgresError('duplicate key', '23505'))).toBe(false);
		expect(isUnavailable(new Error('PostgreSQL is unavailable'))).toBe(false);
	});

	it('turn anything else into a plain error with its message, no stack', () => {
		const back = across(new RangeError('Missing named parameter "id"'));
		expect(back.constructor).toBe(Error);
		expect(back.message).toBe('Missing named parameter "id"');
	});
});
