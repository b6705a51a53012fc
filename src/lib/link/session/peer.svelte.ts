/**
 * What both ends of a live session share: one RTCPeerConnection per negotiation attempt, trickled
 * ICE candidates (held until the remote description is set), and the data channel that carries
 * chat and the pointer. The end user's ScreenSharer offers; the agent's ScreenViewer answers.
 */
import {
	MAX_CHAT_LENGTH,
	nowIso,
	parseChannelMessage,
	randomId,
	type ChannelMessage,
	type ChatEntry
} from './channel';
import type { SignalMessage } from './signal-protocol';
import type { SignalTransport } from './transport';

export type Outgoing = SignalMessage extends infer M
	? M extends unknown
		? Omit<M, 'peer'>
		: never
	: never;

export abstract class SessionPeer {
	chat = $state<ChatEntry[]>([]);
	channelOpen = $state(false);

	/** This page instance; a reloaded page is a new peer. */
	protected readonly peerId = randomId();
	protected pc: RTCPeerConnection | null = null;
	/** The negotiation `pc` belongs to; messages of other attempts are stale. */
	protected attempt: string | null = null;
	protected readonly transport: SignalTransport;
	#channel: RTCDataChannel | null = null;
	#pendingCandidates: RTCIceCandidateInit[] = [];
	#iceServers: Promise<RTCIceServer[]> | null = null;
	#inbox: Promise<void> = Promise.resolve();

	constructor(transport: SignalTransport) {
		this.transport = transport;
	}

	/** The peer connection changed state (connected, disconnected, failed…). */
	protected abstract onPeerState(state: RTCPeerConnectionState): void;
	/** A pointer message arrived (chat is handled here). */
	protected abstract onPointer(message: Exclude<ChannelMessage, { type: 'chat' }>): void;

	/** A chat message arrived on the data channel. */
	protected onChat(entry: ChatEntry) {
		this.chat.push(entry);
	}

	/** Sends a chat message; false when the data channel is not open. */
	sendChat(text: string): boolean {
		const trimmed = text.trim().slice(0, MAX_CHAT_LENGTH);
		if (!trimmed) return false;
		const message = { type: 'chat', id: randomId(), text: trimmed, at: nowIso() };
		if (!this.sendOnChannel(message as ChannelMessage)) return false;
		this.chat.push({ id: message.id, mine: true, text: trimmed, at: message.at });
		return true;
	}

	/**
	 * Handles incoming signalling one message at a time: a candidate must not overtake the offer
	 * or answer before it while that is still being applied.
	 */
	protected inOrder(handle: () => Promise<void>) {
		this.#inbox = this.#inbox
			.then(handle)
			.catch((error) => console.warn('signalling message not applied', error));
	}

	protected sendOnChannel(message: ChannelMessage): boolean {
		const channel = this.#channel;
		if (!channel || channel.readyState !== 'open') return false;
		channel.send(JSON.stringify(message));
		return true;
	}

	protected signal(message: Outgoing) {
		this.transport
			.send({ ...message, peer: this.peerId } as SignalMessage)
			.catch((error) => console.warn('signalling message not delivered', error));
	}

	/** ICE servers, asked once per page (the server answers only during a session). */
	protected iceServers(): Promise<RTCIceServer[]> {
		this.#iceServers ??= this.transport.iceServers().catch((error) => {
			this.#iceServers = null;
			throw error;
		});
		return this.#iceServers;
	}

	/** A fresh connection for `attempt`, replacing any earlier one. */
	protected createPeer(iceServers: RTCIceServer[], attempt: string): RTCPeerConnection {
		this.closePeer();
		const pc = new RTCPeerConnection({ iceServers });
		this.pc = pc;
		this.attempt = attempt;
		pc.onicecandidate = (event) => {
			if (event.candidate && this.pc === pc) {
				this.signal({ type: 'candidate', attempt, candidate: event.candidate.toJSON() as never });
			}
		};
		pc.onconnectionstatechange = () => {
			if (this.pc === pc) this.onPeerState(pc.connectionState);
		};
		return pc;
	}

	protected bindChannel(channel: RTCDataChannel) {
		this.#channel = channel;
		const current = () => this.#channel === channel;
		channel.onopen = () => current() && (this.channelOpen = true);
		channel.onclose = () => current() && (this.channelOpen = false);
		channel.onmessage = (event) => {
			const message = parseChannelMessage(event.data);
			if (!message || !current()) return;
			if (message.type === 'chat') {
				const { id, text, at, author } = message;
				this.onChat({ id, mine: false, text, at, ...(author && { author }) });
			} else {
				this.onPointer(message);
			}
		};
	}

	protected async acceptCandidate(message: Extract<SignalMessage, { type: 'candidate' }>) {
		const pc = this.pc;
		if (!pc || message.attempt !== this.attempt) return;
		if (!pc.remoteDescription) {
			this.#pendingCandidates.push(message.candidate);
			return;
		}
		await pc.addIceCandidate(message.candidate).catch(() => undefined);
	}

	/** Adds the candidates that came before the remote description. */
	protected async flushCandidates() {
		const pc = this.pc;
		const pending = this.#pendingCandidates.splice(0);
		for (const candidate of pending) await pc?.addIceCandidate(candidate).catch(() => undefined);
	}

	protected closePeer() {
		this.#channel?.close();
		this.#channel = null;
		this.channelOpen = false;
		this.pc?.close();
		this.pc = null;
		this.attempt = null;
		this.#pendingCandidates = [];
	}
}
