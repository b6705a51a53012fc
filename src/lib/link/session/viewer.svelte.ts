/**
 * The agent's side of the live session: says hello when its signalling stream opens (which asks
 * the end user's browser for an offer), answers each offer, shows the incoming screen, and sends
 * chat and the pointer back over the data channel the end user's browser opened.
 */
import { refusalOf } from '../../client/api';
import type { ChannelMessage } from './channel';
import { SessionPeer } from './peer.svelte';
import type { SignalEnvelope, SignalMessage } from './signal-protocol';
import type { SignalTransport } from './transport';

export type ViewerState =
	/** Opening the signalling stream. */
	| 'joining'
	/** Listening; the end user has not offered their screen yet. */
	| 'waiting'
	| 'connecting'
	| 'connected'
	| 'reconnecting'
	/** The end user ended the session. */
	| 'ended'
	/** The end user removed this agent (a colleague invited into the session) from it. */
	| 'removed';

/** How long a failed connection may wait for the end user's retry before this side asks again. */
const STUCK_MS = 15_000;
const REJOIN_MS = 3_000;

export class ScreenViewer extends SessionPeer {
	stream = $state.raw<MediaStream | null>(null);
	state = $state<ViewerState>('joining');
	/** Why the server refused this agent the session (permission, status), while it retries. */
	refusal = $state<ViewerRefusal | null>(null);
	/** The end user's browser has said hello since this view opened. */
	endUserPresent = $state(false);

	#unlisten: (() => void) | null = null;
	#rejoin: ReturnType<typeof setTimeout> | undefined;
	#stuck: ReturnType<typeof setTimeout> | undefined;
	#closed = false;

	constructor(transport: SignalTransport) {
		super(transport);
	}

	start() {
		if (this.#unlisten || this.#closed) return;
		this.#unlisten = this.transport.listen({
			onOpen: () => {
				this.refusal = null;
				if (this.state === 'joining') this.state = 'waiting';
				this.signal({ type: 'hello' });
			},
			onMessage: (envelope) => this.inOrder(() => this.#receive(envelope)),
			onClose: (error) => {
				this.#unlisten = null;
				if (this.#closed || this.state === 'removed') return;
				// Refused (not yet ready on the server, not assigned…) or ended by the server: the
				// request's own status decides whether this view stays; meanwhile keep trying.
				if (error) this.refusal = describe(error);
				this.#rejoin = setTimeout(() => this.start(), REJOIN_MS);
			}
		});
	}

	/** Pointer and highlight positions on the shared picture, 0–1. */
	point(at: { x: number; y: number } | null) {
		this.sendOnChannel(at ? { type: 'pointer', ...at } : { type: 'pointer-hide' });
	}

	highlightAt(at: { x: number; y: number }) {
		this.sendOnChannel({ type: 'highlight', ...at });
	}

	/** The agent ends the session: the end user's browser hears it at once. */
	end() {
		this.signal({ type: 'bye', reason: 'ended' });
		this.close(false);
	}

	/** The view goes away; unless the session ended, the end user's page waits for our return. */
	close(sayGoodbye = true) {
		if (this.#closed) return;
		if (sayGoodbye) this.signal({ type: 'bye', reason: 'left' });
		this.#closed = true;
		clearTimeout(this.#rejoin);
		clearTimeout(this.#stuck);
		this.#unlisten?.();
		this.#unlisten = null;
		this.closePeer();
		this.stream = null;
	}

	protected onPeerState(state: RTCPeerConnectionState) {
		clearTimeout(this.#stuck);
		if (state === 'connected') {
			this.state = 'connected';
		} else if (state === 'disconnected' || state === 'failed') {
			this.state = 'reconnecting';
			// The end user's browser drives reconnection; if it has gone quiet, ask for an offer.
			this.#stuck = setTimeout(() => this.signal({ type: 'hello' }), STUCK_MS);
		}
	}

	protected onPointer(_message: Exclude<ChannelMessage, { type: 'chat' }>) {
		// Only the agent points.
	}

	async #receive({ message }: SignalEnvelope) {
		// With two agents, the end user's page addresses most messages to one agent page.
		if (message.to !== undefined && message.to !== this.peerId) return;
		switch (message.type) {
			case 'hello':
				this.endUserPresent = true;
				return;
			case 'offer':
				return this.#answer(message);
			case 'candidate':
				return this.acceptCandidate(message);
			case 'bye':
				this.closePeer();
				this.stream = null;
				if (message.reason === 'removed') {
					this.state = 'removed';
					this.close(false);
					return;
				}
				this.state = message.reason === 'ended' ? 'ended' : 'waiting';
				return;
		}
	}

	async #answer(offer: Extract<SignalMessage, { type: 'offer' }>) {
		let pc = this.pc;
		if (!pc || offer.attempt !== this.attempt) {
			// A new attempt (first offer, a reloaded page, a fresh reconnection): a new connection.
			const iceServers = await this.iceServers();
			pc = this.createPeer(iceServers, offer.attempt);
			const created = pc;
			this.state = 'connecting';
			pc.ontrack = (event) => {
				if (this.pc !== created) return;
				this.stream = event.streams[0] ?? new MediaStream([event.track]);
			};
			pc.ondatachannel = (event) => {
				if (this.pc === created) this.bindChannel(event.channel);
			};
		}
		// Same attempt: an ICE restart on the running connection.
		await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
		await this.flushCandidates();
		await pc.setLocalDescription(await pc.createAnswer());
		if (this.pc !== pc) return;
		this.signal({ type: 'answer', attempt: offer.attempt, sdp: pc.localDescription?.sdp ?? '' });
	}
}

/**
 * Why this side cannot join, from the refusal's reason: the page words it in its own language.
 * `confirming`: the session is not ready on the server yet; `gone`: the request left the view.
 */
export type ViewerRefusal = 'forbidden' | 'confirming' | 'gone' | 'unreachable';

function describe(error: unknown): ViewerRefusal {
	const reason = refusalOf(error)?.reason;
	if (reason === 'forbidden') return 'forbidden';
	if (reason === 'conflict') return 'confirming';
	if (reason === 'not_found') return 'gone';
	return 'unreachable';
}
