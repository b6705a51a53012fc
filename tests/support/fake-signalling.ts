/**
 * The server's signalling as one side's browser sees it, for the live-session peers' specs
 * (sharer, viewer): what the side sent, and messages delivered to it from the other side.
 */
import { vi } from 'vitest';
import type { SignalEnvelope, SignalMessage } from '../../src/lib/link/session/signal-protocol';
import type { SignalHandlers, SignalTransport } from '../../src/lib/link/session/transport';

export class FakeTransport implements SignalTransport {
	sent: SignalMessage[] = [];
	handlers: SignalHandlers | null = null;
	listens = 0;
	removed: string[] = [];
	iceServers: () => Promise<RTCIceServer[]>;

	/** `from`: the other side, whose messages `deliver` hands over. */
	constructor(
		readonly from: SignalEnvelope['from'],
		iceServers: RTCIceServer[] = []
	) {
		this.iceServers = vi.fn(async () => iceServers);
	}

	async send(message: SignalMessage) {
		this.sent.push(message);
	}

	listen(handlers: SignalHandlers) {
		this.listens += 1;
		this.handlers = handlers;
		handlers.onOpen();
		return () => (this.handlers = null);
	}

	async removeAgent(userId: string) {
		this.removed.push(userId);
	}

	deliver(message: SignalMessage, agent?: { id: string; name: string }) {
		const envelope: SignalEnvelope = {
			from: this.from,
			at: new Date().toISOString(),
			message,
			...(agent && { agent })
		};
		this.handlers?.onMessage(envelope);
	}

	/** The last message of `type` this side sent. */
	last(type: SignalMessage['type']) {
		return this.sent.filter((m) => m.type === type).at(-1) as Extract<
			SignalMessage,
			{ type: 'offer' }
		>;
	}
}

/** Lets queued promise work (signalling handlers, negotiation) run. */
export async function settle() {
	for (let i = 0; i < 20; i++) await Promise.resolve();
	await vi.advanceTimersByTimeAsync(0);
}
