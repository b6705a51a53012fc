/**
 * What travels on the session's data channel, peer to peer: chat both ways, and the agent's
 * pointer and highlights as normalised coordinates (0–1 across the shared picture), so they land
 * on the same spot whatever size each side shows it at. Everything received is validated. With
 * two agents, the end user's page passes each agent's chat on to the other, with `author`.
 */
import { z } from 'zod';

export const MAX_CHAT_LENGTH = 2000;

const unit = z.number().min(0).max(1);

const channelMessageSchema = z.discriminatedUnion('type', [
	z.object({
		type: z.literal('chat'),
		id: z.string().min(1).max(64),
		text: z.string().min(1).max(MAX_CHAT_LENGTH),
		at: z.string().max(40),
		/** Another agent's message, passed on by the end user's page (two agents in a session). */
		author: z.string().min(1).max(200).optional()
	}),
	z.object({ type: z.literal('pointer'), x: unit, y: unit }),
	z.object({ type: z.literal('highlight'), x: unit, y: unit }),
	z.object({ type: z.literal('pointer-hide') })
]);
export type ChannelMessage = z.infer<typeof channelMessageSchema>;

export function parseChannelMessage(raw: unknown): ChannelMessage | null {
	if (typeof raw !== 'string' || raw.length > MAX_CHAT_LENGTH * 4) return null;
	try {
		const parsed = channelMessageSchema.safeParse(JSON.parse(raw));
		return parsed.success ? parsed.data : null;
	} catch {
		return null;
	}
}

export interface ChatEntry {
	id: string;
	mine: boolean;
	text: string;
	at: string;
	/** Who wrote it, when not the other side's usual name (another agent in the session). */
	author?: string;
}

export function randomId(): string {
	return crypto.randomUUID();
}

export function nowIso(): string {
	return new Date().toISOString();
}
