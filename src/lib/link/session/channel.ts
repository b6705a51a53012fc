/**
 * What travels on the session's data channel, peer to peer: chat both ways, and the agent's
 * pointer and highlights as normalised coordinates (0–1 across the shared picture), so they land
 * on the same spot whatever size each side shows it at. Everything received is validated (by
 * hand: the same rules a zod schema had, unknown fields dropped). With
 * two agents, the end user's page passes each agent's chat on to the other, with `author`.
 */
export const MAX_CHAT_LENGTH = 2000;

export type ChannelMessage =
	| {
			type: 'chat';
			id: string;
			text: string;
			at: string;
			/** Another agent's message, passed on by the end user's page (two agents in a session). */
			author?: string;
	  }
	| { type: 'pointer'; x: number; y: number }
	| { type: 'highlight'; x: number; y: number }
	| { type: 'pointer-hide' };

// Checked by hand, not with zod: the link page then does not load zod for its one schema.
const text = (value: unknown, min: number, max: number): value is string =>
	typeof value === 'string' && value.length >= min && value.length <= max;
const unit = (value: unknown): value is number =>
	typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1;

/** A valid message with only its known fields, or null. */
function channelMessage(value: unknown): ChannelMessage | null {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
	const m = value as Record<string, unknown>;
	switch (m.type) {
		case 'chat': {
			if (!text(m.id, 1, 64) || !text(m.text, 1, MAX_CHAT_LENGTH) || !text(m.at, 0, 40))
				return null;
			if (m.author !== undefined && !text(m.author, 1, 200)) return null;
			const chat: ChannelMessage = { type: 'chat', id: m.id, text: m.text, at: m.at };
			return m.author === undefined ? chat : { ...chat, author: m.author };
		}
		case 'pointer':
		case 'highlight':
			return unit(m.x) && unit(m.y) ? { type: m.type, x: m.x, y: m.y } : null;
		case 'pointer-hide':
			return { type: 'pointer-hide' };
		default:
			return null;
	}
}

export function parseChannelMessage(raw: unknown): ChannelMessage | null {
	if (typeof raw !== 'string' || raw.length > MAX_CHAT_LENGTH * 4) return null;
	try {
		return channelMessage(JSON.parse(raw));
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
