/**
 * The signalling wire contract of a live session, shared by the server (which validates and
 * relays) and both browsers. Roles are fixed, so offers never collide: the end user's browser
 * offers, the agent's answers.
 *
 *   hello      "I am listening" (sent on every (re)subscription). The agent's hello asks the end
 *              user's browser for a fresh offer; the end user's hello asks the agent to say hello.
 *   offer      from the end user; `attempt` names one peer connection (an ICE restart re-offers
 *              under the same attempt, a fresh connection gets a new one).
 *   answer     from the agent, for one attempt.
 *   candidate  trickled ICE candidates, both ways, for one attempt.
 *   bye        the sender left: `ended` (the session is over) or `left` (its view closed); from
 *              the end user, `removed` tells one agent page they were removed from the session.
 *
 * `peer` is a random id per page instance, so a reloaded page is told apart from its old self
 * (the server buffers recent messages, and a late subscriber may read some from before a reload).
 *
 * Two agents in one session (a colleague invited by the owner, services/co-session.ts): the end
 * user's browser keeps one peer connection per agent page, and addresses what it sends for one
 * of them with `to` (that agent page's `peer`); an agent's page ignores messages addressed to
 * another. A message without `to` is for every agent, so a page that never sets it (one agent,
 * as before) works unchanged. The server stamps each agent's message with who sent it
 * (`SignalEnvelope.agent`), so the end user's page can name who is watching.
 */
import { z } from 'zod';
import { linkTokenSchema, requestIdSchema } from '../../domain/schemas';

/** Larger messages are refused; a real offer with trickled candidates is a few kilobytes. */
export const MAX_SIGNAL_BYTES = 64 * 1024;

const shortId = z.string().min(1).max(64);
/** The one peer a message is for; absent: every peer of the other side. */
const to = shortId.optional();

const candidate = z.object({
	candidate: z.string().max(4096),
	sdpMid: z.string().max(64).nullable().optional(),
	sdpMLineIndex: z.number().int().min(0).max(1024).nullable().optional(),
	usernameFragment: z.string().max(256).nullable().optional()
});

export const signalMessageSchema = z.discriminatedUnion(
	'type',
	[
		z.object({ type: z.literal('hello'), peer: shortId, to }),
		z.object({ type: z.literal('offer'), peer: shortId, to, attempt: shortId, sdp: z.string() }),
		z.object({ type: z.literal('answer'), peer: shortId, to, attempt: shortId, sdp: z.string() }),
		z.object({ type: z.literal('candidate'), peer: shortId, to, attempt: shortId, candidate }),
		z.object({
			type: z.literal('bye'),
			peer: shortId,
			to,
			reason: z.enum(['ended', 'left', 'removed'])
		})
	],
	{ message: 'must be a hello, offer, answer, candidate or bye message' }
);
export type SignalMessage = z.infer<typeof signalMessageSchema>;

const encoder = new TextEncoder();

/** The size check runs first, so an oversized message is refused as such, whatever its shape. */
export const signalPayloadSchema = z
	.unknown()
	.superRefine((value, ctx) => {
		const bytes = encoder.encode(JSON.stringify(value) ?? '').length;
		if (bytes > MAX_SIGNAL_BYTES) {
			ctx.addIssue({ code: 'custom', message: `is larger than ${MAX_SIGNAL_BYTES / 1024} KB` });
		}
	})
	.pipe(signalMessageSchema);

/** `lastEventId` is filled in by tRPC's subscription link when it reconnects. */
const lastEventId = z.string().max(100).nullish();

export const linkSignalSchema = linkTokenSchema.extend({ message: signalPayloadSchema });
export const linkSignalsSchema = linkTokenSchema.extend({ lastEventId });
export const requestSignalSchema = requestIdSchema.extend({ message: signalPayloadSchema });
export const requestSignalsSchema = requestIdSchema.extend({ lastEventId });

/** What a subscriber receives: the message, who sent it and when (server time). */
export interface SignalEnvelope {
	from: 'end_user' | 'agent';
	at: string;
	message: SignalMessage;
	/** Who sent an agent's message (the server fills it in). */
	agent?: { id: string; name: string };
}

// ——— a second agent in the session (services/co-session.ts) ———

const userId = z.uuid({ message: 'must be a user id' });

/** The owner invites a colleague, or hands the session over to them (`stay`: keep watching). */
export const sessionInviteSchema = requestIdSchema.extend({ userId });
export const sessionHandOverSchema = requestIdSchema.extend({
	userId,
	stay: z.boolean().optional()
});
/** The end user removes a colleague from their session. */
export const linkRemoveAgentSchema = linkTokenSchema.extend({ userId });
