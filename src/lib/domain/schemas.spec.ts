import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { DomainError, fromZodIssues } from './errors';
import {
	assignRequestSchema,
	createQueueSchema,
	createRequestSchema,
	createTokenSchema,
	createUserSchema,
	extendRequestSchema,
	linkRespondSchema,
	linkTokenSchema,
	listRequestsSchema,
	loginSchema,
	reopenRequestSchema,
	requestIdSchema,
	updateQueueSchema,
	updateRequestSchema,
	updateUserSchema
} from './schemas';
import { LANGUAGES } from './types';

const ID = uuidv7();
const OTHER_ID = uuidv7();
const WHEN = '2030-01-01T10:00:00.000Z';

/** The message a router would send for `input`: the first issue, prefixed by its field. */
function rejection(schema: z.ZodType, input: unknown): string {
	const result = schema.safeParse(input);
	if (result.success) throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
	return fromZodIssues(result.error.issues).message;
}

function accepted<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
	const result = schema.safeParse(input);
	if (!result.success) throw new Error(fromZodIssues(result.error.issues).message);
	return result.data;
}

const request = (extra: Record<string, unknown> = {}) => ({ recipientName: 'Ada', ...extra });

describe('fromZodIssues', () => {
	it('makes an invalid DomainError naming the first field at fault', () => {
		const result = createRequestSchema.safeParse({ recipientName: '', comments: 5 });
		expect(result.success).toBe(false);
		const error = fromZodIssues(result.error!.issues);
		expect(error).toBeInstanceOf(DomainError);
		expect(error.reason).toBe('invalid');
		expect(error.field).toBe('recipientName');
		expect(error.message).toBe('recipientName: is required');
	});

	it('joins a nested path with dots', () => {
		const error = fromZodIssues([{ path: ['assignment', 'userId'], message: 'must be a UUID' }]);
		expect(error.message).toBe('assignment.userId: must be a UUID');
	});

	it('names the whole input when the issue has no path', () => {
		expect(rejection(createRequestSchema, 'Ada')).toMatch(/^input: /);
		expect(rejection(createRequestSchema, null)).toMatch(/^input: /);
	});
});

describe('createRequestSchema', () => {
	it('accepts a minimal request with only a recipient name', () => {
		expect(accepted(createRequestSchema, request())).toEqual({ recipientName: 'Ada' });
	});

	it('accepts a complete request', () => {
		const input = {
			id: ID,
			recipientName: 'Ada Lovelace',
			recipientEmail: 'ada@example.com',
			sendEmail: true,
			emailLanguage: 'fr',
			comments: 'Printer will not print.',
			scheduledAt: WHEN,
			expiresAt: '2030-01-08T10:00:00+01:00',
			assignment: { kind: 'queue', queueId: OTHER_ID }
		};
		expect(accepted(createRequestSchema, input)).toEqual(input);
	});

	it('drops fields the server maintains', () => {
		const data = accepted(
			createRequestSchema,
			request({ status: 'closed', createdBy: OTHER_ID, version: 9 })
		);
		expect(data).toEqual({ recipientName: 'Ada' });
	});

	describe('recipientName', () => {
		it('is trimmed', () => {
			expect(accepted(createRequestSchema, request({ recipientName: '  Ada  ' }))).toEqual({
				recipientName: 'Ada'
			});
		});

		it.each([
			['missing', undefined],
			['a number', 42],
			['null', null]
		])('is rejected when %s', (_label, recipientName) => {
			expect(rejection(createRequestSchema, { recipientName })).toMatch(/^recipientName: /);
		});

		it.each([
			['empty', ''],
			['only spaces', '   '],
			['only tabs and newlines', '\t\n ']
		])('is required, so %s is rejected', (_label, recipientName) => {
			expect(rejection(createRequestSchema, { recipientName })).toBe('recipientName: is required');
		});

		it('may be 200 characters long, counted after trimming', () => {
			const name = 'a'.repeat(200);
			expect(accepted(createRequestSchema, request({ recipientName: ` ${name} ` }))).toEqual({
				recipientName: name
			});
		});

		it('may not be 201 characters long', () => {
			expect(rejection(createRequestSchema, request({ recipientName: 'a'.repeat(201) }))).toBe(
				'recipientName: must be at most 200 characters'
			);
		});
	});

	describe('recipientEmail', () => {
		it('is trimmed', () => {
			expect(
				accepted(createRequestSchema, request({ recipientEmail: ' ada@example.com ' }))
			).toMatchObject({ recipientEmail: 'ada@example.com' });
		});

		it.each(['', null])('may be left empty as %j, which stores null', (recipientEmail) => {
			expect(accepted(createRequestSchema, request({ recipientEmail }))).toMatchObject({
				recipientEmail: null
			});
		});

		it.each(['not-an-email', 'ada@', '@example.com', 'ada lovelace@example.com', 'ada@@x.com'])(
			'rejects %j',
			(recipientEmail) => {
				expect(rejection(createRequestSchema, request({ recipientEmail }))).toBe(
					'recipientEmail: must be a valid email address'
				);
			}
		);

		it('rejects an address longer than 254 characters', () => {
			const recipientEmail = `${'a'.repeat(250)}@example.com`;
			expect(rejection(createRequestSchema, request({ recipientEmail }))).toMatch(
				/^recipientEmail: /
			);
		});

		it('rejects a number', () => {
			expect(rejection(createRequestSchema, request({ recipientEmail: 42 }))).toMatch(
				/^recipientEmail: /
			);
		});
	});

	describe('sendEmail', () => {
		it.each([
			['missing', {}],
			['empty', { recipientEmail: '' }],
			['null', { recipientEmail: null }]
		])('requires recipientEmail when true and the address is %s', (_label, extra) => {
			const result = createRequestSchema.safeParse(request({ sendEmail: true, ...extra }));
			expect(result.success).toBe(false);
			expect(result.error!.issues[0].path).toEqual(['recipientEmail']);
			expect(fromZodIssues(result.error!.issues).message).toBe(
				'recipientEmail: is required when sendEmail is true'
			);
		});

		it('needs no address when false', () => {
			expect(createRequestSchema.safeParse(request({ sendEmail: false })).success).toBe(true);
		});

		it.each(['yes', 1, null])('must be a boolean, not %j', (sendEmail) => {
			expect(rejection(createRequestSchema, request({ sendEmail }))).toMatch(/^sendEmail: /);
		});
	});

	describe('emailLanguage', () => {
		it.each(LANGUAGES)('accepts %s', (emailLanguage) => {
			expect(createRequestSchema.safeParse(request({ emailLanguage })).success).toBe(true);
		});

		it.each(['xx', 'EN', 'en-GB', ''])('rejects %j', (emailLanguage) => {
			expect(rejection(createRequestSchema, request({ emailLanguage }))).toMatch(
				/^emailLanguage: must be one of en, es, de, fr, pt, it/
			);
		});
	});

	describe('timeZone', () => {
		it.each(['America/New_York', 'Europe/Madrid', 'Asia/Kolkata', 'UTC', 'Etc/GMT+5'])(
			'accepts %s',
			(timeZone) => {
				expect(accepted(createRequestSchema, request({ timeZone })).timeZone).toBe(timeZone);
				expect(accepted(updateRequestSchema, { id: ID, timeZone }).timeZone).toBe(timeZone);
			}
		);

		it('stores the zone as the time-zone data spells it', () => {
			expect(
				accepted(createRequestSchema, request({ timeZone: ' america/new_york ' })).timeZone
			).toBe('America/New_York');
		});

		it('may be left out or null (no zone: times in UTC)', () => {
			expect(accepted(createRequestSchema, request()).timeZone).toBeUndefined();
			expect(accepted(createRequestSchema, request({ timeZone: null })).timeZone).toBeNull();
			expect(accepted(updateRequestSchema, { id: ID, timeZone: null }).timeZone).toBeNull();
		});

		it.each(['Mars/Olympus_Mons', 'EST5EDT/x', '+05:00', '', 'x'.repeat(65), 'Europe/../etc'])(
			'rejects %j with a field error',
			(timeZone) => {
				const message = /^timeZone: must be an IANA time zone such as Europe\/Madrid$/;
				expect(rejection(createRequestSchema, request({ timeZone }))).toMatch(message);
				expect(rejection(updateRequestSchema, { id: ID, timeZone })).toMatch(message);
			}
		);

		it('must be a string', () => {
			expect(rejection(createRequestSchema, request({ timeZone: 5 }))).toMatch(/^timeZone: /);
		});
	});

	describe('comments', () => {
		it('may be 4000 characters long', () => {
			expect(createRequestSchema.safeParse(request({ comments: 'x'.repeat(4000) })).success).toBe(
				true
			);
		});

		it('may not be 4001 characters long', () => {
			expect(rejection(createRequestSchema, request({ comments: 'x'.repeat(4001) }))).toBe(
				'comments: must be at most 4000 characters'
			);
		});

		it('must be text', () => {
			expect(rejection(createRequestSchema, request({ comments: 5 }))).toMatch(/^comments: /);
		});
	});

	describe.each(['scheduledAt', 'expiresAt'])('%s', (field) => {
		it.each(['2030-01-01T10:00:00Z', '2030-01-01T10:00:00.123Z', '2030-01-01T11:00:00+01:00'])(
			'accepts the ISO-8601 instant %s',
			(value) => {
				expect(createRequestSchema.safeParse(request({ [field]: value })).success).toBe(true);
			}
		);

		it.each([
			'',
			'tomorrow',
			'2030-01-01',
			'2030-01-01T10:00:00',
			'2030-01-01 10:00:00Z',
			'2030-13-01T10:00:00Z',
			'2030-02-30T10:00:00Z',
			'2030-01-01T25:00:00Z',
			1893492000000
		])('rejects %j', (value) => {
			expect(rejection(createRequestSchema, request({ [field]: value }))).toBe(
				`${field}: must be an ISO-8601 date-time`
			);
		});
	});

	it('lets scheduledAt be null but not expiresAt', () => {
		expect(createRequestSchema.safeParse(request({ scheduledAt: null })).success).toBe(true);
		expect(rejection(createRequestSchema, request({ expiresAt: null }))).toMatch(/^expiresAt: /);
	});

	describe('assignment', () => {
		it.each([
			{ kind: 'unassigned' },
			{ kind: 'me' },
			{ kind: 'agent', userId: ID },
			{ kind: 'queue', queueId: ID }
		])('accepts $kind', (assignment) => {
			expect(accepted(createRequestSchema, request({ assignment }))).toMatchObject({
				assignment
			});
		});

		it.each([
			['an unknown kind', { kind: 'team' }],
			['no kind', {}]
		])('rejects %s', (_label, assignment) => {
			expect(rejection(createRequestSchema, request({ assignment }))).toMatch(
				/^assignment(\.kind)?: must be unassigned, me, agent or queue$/
			);
		});

		it('rejects a bare string', () => {
			expect(rejection(createRequestSchema, request({ assignment: 'me' }))).toMatch(
				/^assignment: /
			);
		});

		it.each([
			['agent', 'userId', undefined],
			['agent', 'userId', 'bob'],
			['queue', 'queueId', undefined],
			['queue', 'queueId', '12345678-1234-1234-1234-1234567890'],
			['queue', 'queueId', 42]
		])('requires a UUID in %s.%s, not %j', (kind, key, value) => {
			expect(rejection(createRequestSchema, request({ assignment: { kind, [key]: value } }))).toBe(
				`assignment.${key}: must be a UUID`
			);
		});
	});

	describe('id', () => {
		it('accepts a UUIDv7 made by the client', () => {
			expect(accepted(createRequestSchema, request({ id: ID }))).toMatchObject({ id: ID });
		});

		it.each(['abc', '', 'not-a-uuid-at-all-0000000000000000', `${ID}x`, 42])('rejects %j', (id) => {
			expect(rejection(createRequestSchema, request({ id }))).toBe('id: must be a UUID');
		});
	});
});

describe('updateRequestSchema', () => {
	it('needs only an id', () => {
		expect(accepted(updateRequestSchema, { id: ID })).toEqual({ id: ID });
	});

	it('requires the id to be a UUID', () => {
		expect(rejection(updateRequestSchema, { recipientName: 'Ada' })).toMatch(/^id: /);
		expect(rejection(updateRequestSchema, { id: 'r1' })).toBe('id: must be a UUID');
	});

	it('applies the create rules to the fields it changes', () => {
		expect(rejection(updateRequestSchema, { id: ID, recipientName: '  ' })).toBe(
			'recipientName: is required'
		);
		expect(rejection(updateRequestSchema, { id: ID, recipientEmail: 'nope' })).toBe(
			'recipientEmail: must be a valid email address'
		);
		expect(rejection(updateRequestSchema, { id: ID, comments: 'x'.repeat(4001) })).toMatch(
			/^comments: /
		);
		expect(rejection(updateRequestSchema, { id: ID, scheduledAt: 'soon' })).toMatch(
			/^scheduledAt: /
		);
	});

	it('lets an edit clear the schedule', () => {
		expect(accepted(updateRequestSchema, { id: ID, scheduledAt: null })).toEqual({
			id: ID,
			scheduledAt: null
		});
	});
});

describe('the single-request action schemas', () => {
	it('requestIdSchema requires a UUID id', () => {
		expect(accepted(requestIdSchema, { id: ID })).toEqual({ id: ID });
		expect(rejection(requestIdSchema, {})).toMatch(/^id: /);
		expect(rejection(requestIdSchema, { id: 'x' })).toBe('id: must be a UUID');
	});

	it('assignRequestSchema requires an assignment', () => {
		expect(rejection(assignRequestSchema, { id: ID })).toMatch(/^assignment: /);
		expect(rejection(assignRequestSchema, { id: ID, assignment: { kind: 'boss' } })).toMatch(
			/^assignment(\.kind)?: /
		);
		expect(
			accepted(assignRequestSchema, { id: ID, assignment: { kind: 'agent', userId: OTHER_ID } })
		).toEqual({ id: ID, assignment: { kind: 'agent', userId: OTHER_ID } });
	});

	it('reopenRequestSchema takes an optional expiresAt', () => {
		expect(accepted(reopenRequestSchema, { id: ID })).toEqual({ id: ID });
		expect(rejection(reopenRequestSchema, { id: ID, expiresAt: 'later' })).toMatch(/^expiresAt: /);
	});

	it('extendRequestSchema requires expiresAt', () => {
		expect(rejection(extendRequestSchema, { id: ID })).toMatch(/^expiresAt: /);
		expect(accepted(extendRequestSchema, { id: ID, expiresAt: WHEN })).toEqual({
			id: ID,
			expiresAt: WHEN
		});
	});
});

describe('listRequestsSchema', () => {
	it('defaults a missing input to no filters', () => {
		expect(accepted(listRequestsSchema, undefined)).toEqual({});
		expect(accepted(listRequestsSchema, {})).toEqual({});
	});

	it('accepts every filter together', () => {
		const input = {
			status: ['open', 'waiting'],
			assignment: { kind: 'me' },
			scheduled: 'upcoming',
			search: 'ada',
			cursor: 'abc',
			limit: 50
		};
		expect(accepted(listRequestsSchema, input)).toEqual(input);
	});

	it('trims the search text', () => {
		expect(accepted(listRequestsSchema, { search: '  ada  ' })).toEqual({ search: 'ada' });
	});

	it('rejects a search over 200 characters', () => {
		expect(rejection(listRequestsSchema, { search: 'a'.repeat(201) })).toMatch(/^search: /);
	});

	it('names the index of an unknown status', () => {
		expect(rejection(listRequestsSchema, { status: ['open', 'pending'] })).toBe(
			'status.1: must be one of open, waiting, ready, connected, closed, expired'
		);
	});

	it('rejects a status that is not a list', () => {
		expect(rejection(listRequestsSchema, { status: 'open' })).toMatch(/^status: /);
	});

	it('rejects a scheduled filter other than upcoming or past', () => {
		expect(rejection(listRequestsSchema, { scheduled: 'future' })).toBe(
			'scheduled: must be upcoming or past'
		);
	});

	it.each([0, -1, 201, 1.5, '10'])('rejects the limit %j', (limit) => {
		expect(rejection(listRequestsSchema, { limit })).toMatch(/^limit: /);
	});

	it.each([1, 200])('accepts the limit %i', (limit) => {
		expect(accepted(listRequestsSchema, { limit })).toEqual({ limit });
	});
});

describe('loginSchema', () => {
	it('accepts any non-empty password, so a login reveals nothing about the policy', () => {
		expect(accepted(loginSchema, { email: ' a@example.com ', password: 'x' })).toEqual({
			email: 'a@example.com',
			password: 'x'
		});
	});

	it('requires an email and a password', () => {
		expect(rejection(loginSchema, { email: '  ', password: 'secret-pw' })).toBe(
			'email: is required'
		);
		expect(rejection(loginSchema, { email: 'a@example.com', password: '' })).toBe(
			'password: is required'
		);
	});
});

describe('createUserSchema', () => {
	const user = (extra: Record<string, unknown> = {}) => ({
		email: 'agent@example.com',
		name: 'Agent',
		password: 'correct horse',
		role: 'agent',
		permission: 'edit',
		...extra
	});

	it('accepts a complete user', () => {
		expect(accepted(createUserSchema, user())).toEqual(user());
	});

	it.each([
		['7 characters', 'x'.repeat(7), 'password: must be at least 8 characters'],
		['257 characters', 'x'.repeat(257), 'password: must be at most 256 characters']
	])('rejects a password of %s', (_label, password, message) => {
		expect(rejection(createUserSchema, user({ password }))).toBe(message);
	});

	it.each([8, 256])('accepts a password of %i characters', (length) => {
		expect(createUserSchema.safeParse(user({ password: 'x'.repeat(length) })).success).toBe(true);
	});

	it('rejects a bad email, an empty name, a bad role and a bad permission', () => {
		expect(rejection(createUserSchema, user({ email: 'agent' }))).toMatch(/^email: /);
		expect(rejection(createUserSchema, user({ name: ' ' }))).toBe('name: is required');
		expect(rejection(createUserSchema, user({ role: 'root' }))).toBe(
			'role: must be one of admin, agent'
		);
		expect(rejection(createUserSchema, user({ permission: 'all' }))).toBe(
			'permission: must be one of none, view, edit'
		);
	});
});

describe('updateUserSchema', () => {
	it('needs only an id and applies the create rules to what it changes', () => {
		expect(accepted(updateUserSchema, { id: ID })).toEqual({ id: ID });
		expect(rejection(updateUserSchema, { id: ID, password: 'short' })).toBe(
			'password: must be at least 8 characters'
		);
		expect(rejection(updateUserSchema, { id: ID, active: 'no' })).toMatch(/^active: /);
	});
});

describe('queue schemas', () => {
	it('require a name of 1 to 100 characters', () => {
		expect(rejection(createQueueSchema, { name: '  ', memberIds: [] })).toBe('name: is required');
		expect(rejection(createQueueSchema, { name: 'q'.repeat(101), memberIds: [] })).toBe(
			'name: must be at most 100 characters'
		);
		expect(accepted(createQueueSchema, { name: ' Tier 1 ', memberIds: [ID] })).toEqual({
			name: 'Tier 1',
			memberIds: [ID]
		});
	});

	it('require member ids to be UUIDs', () => {
		expect(rejection(createQueueSchema, { name: 'Q', memberIds: [ID, 'bob'] })).toBe(
			'memberIds.1: must be a UUID'
		);
		expect(rejection(updateQueueSchema, { id: ID, memberIds: ['bob'] })).toBe(
			'memberIds.0: must be a UUID'
		);
	});
});

describe('createTokenSchema', () => {
	it('requires a name', () => {
		expect(rejection(createTokenSchema, { name: '' })).toBe('name: is required');
	});
});

describe('link schemas', () => {
	it('require a token', () => {
		expect(rejection(linkTokenSchema, { token: '' })).toBe('token: is required');
		expect(rejection(linkTokenSchema, { token: 't'.repeat(201) })).toMatch(/^token: /);
	});

	it('accept only allow or deny as a decision', () => {
		expect(accepted(linkRespondSchema, { token: 't', decision: 'allow' })).toEqual({
			token: 't',
			decision: 'allow'
		});
		expect(rejection(linkRespondSchema, { token: 't', decision: 'maybe' })).toBe(
			'decision: must be allow or deny'
		);
	});
});
