/**
 * Why a session link cannot be used, in the server's words. The server answers NOT_FOUND with one
 * of these messages (it never says more, so nothing reveals which requests exist); the link page
 * recognises them to show the explanation in the visitor's language, and shows any other message
 * as it is.
 */
export const DEAD_LINK_MESSAGES = {
	invalid:
		'This session link is not valid. It may have been replaced by a newer link; ask your support agent for a new one.',
	expired: 'This session link has expired. Ask your support agent for a new one.',
	closed: 'This support session has been closed. Thank you!'
} as const;

export type DeadLinkKind = keyof typeof DEAD_LINK_MESSAGES;

export function deadLinkKind(message: string): DeadLinkKind | null {
	for (const [kind, text] of Object.entries(DEAD_LINK_MESSAGES)) {
		if (text === message) return kind as DeadLinkKind;
	}
	return null;
}
