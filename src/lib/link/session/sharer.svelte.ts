/**
 * The end user's side of the live session. Their own click starts screen capture
 * (getDisplayMedia); once the agent has started the session (`connected`) this browser offers the
 * stream and a data channel to the agent's. A dropped connection is retried with ICE restarts,
 * then with fresh connections, before it is reported lost (the end user can then try again).
 *
 * A second agent (a colleague the owner invited): the page keeps one connection per agent, a
 * mesh from the end user's browser. The first agent's connection is this object; each other
 * agent (told apart by the `agent` the server stamps on their messages) gets a `guest`, a
 * ScreenSharer of its own that shares this one's stream, status and chat and does not listen
 * itself: this one hands it its messages. What each sends for its agent carries `to`, so the
 * other agent's page leaves it.
 */
import { isSessionStatus, isTerminal, type Status } from '../../domain/types';
import { randomId, type ChannelMessage } from './channel';
import { SessionPeer, type Outgoing } from './peer.svelte';
import { MAX_CHAT_LENGTH, nowIso, type ChatEntry } from './channel';
import type { SignalEnvelope } from './signal-protocol';
import type { SignalTransport } from './transport';

export type SharerState =
	/** Not in a session yet, or sharing has not started. */
	| 'idle'
	/** The agent's browser is not there (yet, or it left). */
	| 'waiting'
	| 'connecting'
	| 'connected'
	| 'reconnecting'
	| 'lost'
	| 'ended';

/** Tries after a drop: the first ICE_RESTARTS restart ICE, the rest start fresh connections. */
const ICE_RESTARTS = 2;
const MAX_RETRIES = 4;
/** How long a retry may take before the next; how long "disconnected" may last before one. */
const RETRY_MS = 8_000;
const DISCONNECTED_GRACE_MS = 3_000;
/** An offer younger than this is still expected to be answered: a hello does not replace it. */
const OFFER_PATIENCE_MS = 3_000;
const RELISTEN_MS = 2_000;

/** The tRPC code of a refusal (`error.data.code`), whatever client made it. */
function refusedCode(error: unknown): string | null {
	const data = (error as { data?: { code?: unknown } } | null)?.data;
	return typeof data?.code === 'string' ? data.code : null;
}

export class ScreenSharer extends SessionPeer {
	stream = $state.raw<MediaStream | null>(null);
	state = $state<SharerState>('idle');
	/** The last capture attempt failed (refused or cancelled in the browser's picker). */
	shareError = $state<'failed' | null>(null);
	/** The session belongs to the page that allowed it, and that is another page. */
	otherPage = $state(false);
	/** The end user stopped sharing (from the browser's own control, for instance). */
	stoppedSharing = $state(false);
	/** The agent's pointer on the shared picture, 0–1; `highlight` pulses where they clicked. */
	pointer = $state<{ x: number; y: number } | null>(null);
	highlight = $state<{ x: number; y: number; key: number } | null>(null);
	/** Who this connection's agent is (from the server's stamp); null before they said hello. */
	agentName = $state<string | null>(null);
	/** The other agents' connections (on the first one only). */
	guests = $state<ScreenSharer[]>([]);
	/** The newest agent who joined, for the page's notice. */
	joined = $state<{ name: string; key: number } | null>(null);

	/** The user id of this connection's agent ('agent' when the server does not say). */
	agentKey: string | null = null;
	readonly #parent: ScreenSharer | null;
	/** The agent page this connection negotiates with: what it sends carries it as `to`. */
	#target: string | null = null;
	#removed: string[] = [];
	#status: Status | null = null;
	#unlisten: (() => void) | null = null;
	#offeredAt = 0;
	#answeredBy: string | null = null;
	#retries = 0;
	#timer: ReturnType<typeof setTimeout> | undefined;
	#pointerTimer: ReturnType<typeof setTimeout> | undefined;
	#relisten: ReturnType<typeof setTimeout> | undefined;

	constructor(transport: SignalTransport, parent: ScreenSharer | null = null) {
		super(transport);
		this.#parent = parent;
		if (parent) {
			this.stream = parent.stream;
			this.chat = parent.chat;
		}
	}

	/** Every agent's connection: this one and the guests. */
	get links(): ScreenSharer[] {
		return [this, ...this.guests];
	}

	/** The agents connected now (names), for "2 agents watching". */
	get watching(): { key: string; name: string }[] {
		return this.links
			.filter((l) => l.state === 'connected' && l.agentKey !== null)
			.map((l) => ({ key: l.agentKey as string, name: l.agentName ?? '' }));
	}

	/** The end user removes a guest agent: told at once, and refused by the server from now on. */
	async removeGuest(key: string) {
		const guest = this.guests.find((g) => g.agentKey === key);
		this.#removed.push(key);
		if (guest) {
			guest.signal({ type: 'bye', reason: 'removed' });
			guest.close();
			this.guests = this.guests.filter((g) => g !== guest);
		}
		await this.transport.removeAgent?.(key);
	}

	protected signal(message: Outgoing) {
		// Hello and the end of the session are for every agent; the rest for this one's page.
		const forAll =
			message.type === 'hello' || (message.type === 'bye' && message.reason === 'ended');
		super.signal(
			forAll || !this.#target ? message : ({ ...message, to: this.#target } as Outgoing)
		);
	}

	protected onChat(entry: ChatEntry) {
		const root = this.#parent ?? this;
		const author = this.agentName ?? undefined;
		root.chat.push({ ...entry, ...(author && { author }) });
		// The other agents see it too.
		for (const link of root.links) {
			if (link !== this) {
				link.sendOnChannel({
					type: 'chat',
					id: entry.id,
					text: entry.text,
					at: entry.at,
					...(author && { author })
				});
			}
		}
	}

	/** Sends the end user's message to every agent; false when no channel is open. */
	sendChat(text: string): boolean {
		if (this.#parent) return this.#parent.sendChat(text);
		const trimmed = text.trim().slice(0, MAX_CHAT_LENGTH);
		if (!trimmed) return false;
		const message = { type: 'chat' as const, id: randomId(), text: trimmed, at: nowIso() };
		let sent = false;
		for (const link of this.links) sent = link.sendOnChannel(message) || sent;
		if (sent) this.chat.push({ id: message.id, mine: true, text: trimmed, at: message.at });
		return sent;
	}

	/** Whether some agent's data channel is open. */
	get anyChannelOpen(): boolean {
		return this.links.some((l) => l.channelOpen);
	}

	static get supported(): boolean {
		return typeof navigator !== 'undefined' && !!navigator.mediaDevices?.getDisplayMedia;
	}

	/** Asks the browser for a screen, window or tab: call from the end user's click. */
	async share() {
		if (!ScreenSharer.supported) return;
		this.shareError = null;
		let stream: MediaStream;
		try {
			stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
		} catch {
			this.shareError = 'failed';
			return;
		}
		const previous = this.stream;
		this.stream = stream;
		this.stoppedSharing = false;
		const [track] = stream.getVideoTracks();
		track?.addEventListener('ended', () => {
			if (this.stream !== stream) return;
			for (const link of this.links) {
				link.stream = null;
				link.stoppedSharing = true;
			}
		});
		previous?.getTracks().forEach((t) => t.stop());
		for (const link of this.links) {
			link.stream = stream;
			link.stoppedSharing = false;
			await link.#swapIn(track);
		}
	}

	/** A running connection swaps the picture in place; otherwise it is offered now if it may be. */
	async #swapIn(track: MediaStreamTrack | undefined) {
		const sender = this.pc?.getSenders().find((s) => s.track?.kind === 'video');
		if (sender && track && this.state === 'connected') await sender.replaceTrack(track);
		else this.#offerIfDue();
	}

	stopSharing() {
		this.stream?.getTracks().forEach((t) => t.stop());
		for (const link of this.links) {
			link.stream = null;
			link.stoppedSharing = true;
		}
	}

	/** Follows the request's status: signalling while ready or connected, an offer once connected. */
	setStatus(status: Status) {
		if (status === this.#status) return;
		this.#status = status;
		if (!isSessionStatus(status) || status !== 'connected') {
			// Guests belong to a running session.
			for (const guest of this.guests) guest.close();
			this.guests = [];
		}
		if (isSessionStatus(status)) {
			if (!this.#parent) this.#listen();
			if (status === 'connected') this.#offerIfDue();
			return;
		}
		// Consent withdrawn or the session over: capture stops with it.
		this.#stopListening();
		this.#reset();
		this.stopSharing();
		this.stoppedSharing = false;
		this.state = isTerminal(status) ? 'ended' : 'idle';
	}

	/** After a lost connection, on the end user's request. */
	retry() {
		for (const link of this.links) {
			if (link !== this && link.state !== 'lost') continue;
			link.#retries = 0;
			void link.#negotiate();
		}
	}

	/** The end user ends the session: tell the agent's browser at once, then let go. */
	end() {
		this.signal({ type: 'bye', reason: 'ended' });
		this.close();
	}

	/** The page goes away (or, for a guest, its agent does). */
	close() {
		this.#stopListening();
		this.#reset();
		for (const guest of this.guests) guest.close();
		this.guests = [];
		if (!this.#parent) this.stream?.getTracks().forEach((t) => t.stop());
		this.stream = null;
	}

	protected onPeerState(state: RTCPeerConnectionState) {
		if (state === 'connected') {
			this.#retries = 0;
			clearTimeout(this.#timer);
			if (this.state !== 'connected' && this.agentName) {
				const root = this.#parent ?? this;
				if (root.links.length > 1) root.joined = { name: this.agentName, key: Date.now() };
			}
			this.state = 'connected';
		} else if (state === 'disconnected') {
			this.#retryAfter(DISCONNECTED_GRACE_MS);
		} else if (state === 'failed') {
			void this.#recover();
		}
	}

	protected onPointer(message: Exclude<ChannelMessage, { type: 'chat' }>) {
		clearTimeout(this.#pointerTimer);
		if (message.type === 'pointer-hide') {
			this.pointer = null;
			return;
		}
		const at = { x: message.x, y: message.y };
		if (message.type === 'highlight') this.highlight = { ...at, key: Date.now() };
		this.pointer = at;
		// A pointer the agent stopped moving fades away.
		this.#pointerTimer = setTimeout(() => (this.pointer = null), 4_000);
	}

	#listen() {
		if (this.#unlisten) return;
		this.#unlisten = this.transport.listen({
			onOpen: () => this.signal({ type: 'hello' }),
			onMessage: (envelope) => this.#dispatch(envelope),
			onClose: (error) => {
				this.#unlisten = null;
				// The session was allowed from another page (tab or browser): it is that page's alone
				// (the server's session key), and listening again here would be refused again.
				if (refusedCode(error) === 'FORBIDDEN') {
					this.otherPage = true;
					return;
				}
				// The server ends the stream when the session is over (the status will say so) or
				// when it restarts: listen again while the session still runs.
				this.#relisten = setTimeout(() => {
					if (isSessionStatus(this.#status)) this.#listen();
				}, RELISTEN_MS);
			}
		});
	}

	#stopListening() {
		clearTimeout(this.#relisten);
		this.#unlisten?.();
		this.#unlisten = null;
	}

	/**
	 * Hands a message to the connection of the agent who sent it: this one for the first agent
	 * (or when the server does not say who), a guest for another (made on their hello).
	 */
	#dispatch(envelope: SignalEnvelope) {
		const key = envelope.agent?.id ?? 'agent';
		if (this.#removed.includes(key)) return;
		if (this.agentKey === null || this.agentKey === key) {
			this.agentKey = key;
			if (envelope.agent) this.agentName = envelope.agent.name;
			this.inOrder(() => this.#receive(envelope));
			return;
		}
		let guest = this.guests.find((g) => g.agentKey === key);
		if (!guest) {
			if (envelope.message.type !== 'hello' || this.#status !== 'connected') return;
			guest = new ScreenSharer(this.transport, this);
			guest.agentKey = key;
			guest.agentName = envelope.agent?.name ?? null;
			guest.#status = this.#status;
			this.guests = [...this.guests, guest];
		}
		const target = guest;
		target.inOrder(() => target.#receive(envelope));
	}

	async #receive({ message }: SignalEnvelope) {
		switch (message.type) {
			case 'hello':
				this.#target = message.peer;
				return this.#agentArrived(message.peer);
			case 'answer': {
				const pc = this.pc;
				if (!pc || message.attempt !== this.attempt) return;
				if (pc.signalingState !== 'have-local-offer') return;
				await pc.setRemoteDescription({ type: 'answer', sdp: message.sdp });
				this.#answeredBy = message.peer;
				this.#target = message.peer;
				await this.flushCandidates();
				return;
			}
			case 'candidate':
				return this.acceptCandidate(message);
			case 'bye':
				if (message.reason === 'left') {
					this.#reset();
					if (this.#status === 'connected') this.state = 'waiting';
				}
				return;
		}
	}

	/** The agent's browser says it is listening: a new one (or a stuck connection) needs an offer. */
	#agentArrived(peer: string) {
		if (!this.#canOffer()) return;
		const unanswered = this.#answeredBy === null && this.pc !== null;
		if (unanswered && Date.now() - this.#offeredAt < OFFER_PATIENCE_MS) return;
		if (peer === this.#answeredBy && this.pc?.connectionState === 'connected') return;
		this.#retries = 0;
		void this.#negotiate();
	}

	/**
	 * Whether there is something to offer: the shared screen, or (where the browser cannot share a
	 * screen, as on phones) a chat-only connection.
	 */
	#canOffer() {
		return this.#status === 'connected' && (this.stream !== null || !ScreenSharer.supported);
	}

	#offerIfDue() {
		if (this.#canOffer() && !this.pc) void this.#negotiate();
	}

	/** A fresh peer connection with the stream and a data channel, offered to the agent. */
	async #negotiate() {
		const stream = this.stream;
		if (!this.#canOffer()) return;
		const attempt = randomId();
		this.attempt = attempt;
		if (this.state !== 'reconnecting') this.state = 'connecting';
		let iceServers: RTCIceServer[];
		try {
			iceServers = await this.iceServers();
		} catch {
			this.#retryAfter(RETRY_MS);
			return;
		}
		// Superseded while waiting (a newer negotiation, the session ended).
		if (this.attempt !== attempt || this.stream !== stream) return;
		const pc = this.createPeer(iceServers, attempt);
		this.#answeredBy = null;
		for (const track of stream?.getTracks() ?? []) if (stream) pc.addTrack(track, stream);
		this.bindChannel(pc.createDataChannel('beckon', { ordered: true }));
		await pc.setLocalDescription(await pc.createOffer());
		if (this.pc !== pc) return;
		this.#offeredAt = Date.now();
		this.signal({ type: 'offer', attempt, sdp: pc.localDescription?.sdp ?? '' });
	}

	/** One more try after a drop: ICE restart first, a fresh connection later, then give up. */
	async #recover() {
		clearTimeout(this.#timer);
		if (!this.#canOffer()) return;
		this.#retries += 1;
		if (this.#retries > MAX_RETRIES) {
			this.#reset();
			this.state = 'lost';
			return;
		}
		this.state = 'reconnecting';
		const pc = this.pc;
		const attempt = this.attempt;
		if (pc && attempt && this.#retries <= ICE_RESTARTS && pc.signalingState === 'stable') {
			await pc.setLocalDescription(await pc.createOffer({ iceRestart: true }));
			this.#offeredAt = Date.now();
			this.signal({ type: 'offer', attempt, sdp: pc.localDescription?.sdp ?? '' });
		} else {
			await this.#negotiate();
		}
		this.#retryAfter(RETRY_MS);
	}

	#retryAfter(ms: number) {
		clearTimeout(this.#timer);
		this.#timer = setTimeout(() => {
			if (this.pc?.connectionState !== 'connected') void this.#recover();
		}, ms);
	}

	#reset() {
		clearTimeout(this.#timer);
		clearTimeout(this.#pointerTimer);
		this.closePeer();
		this.#answeredBy = null;
		this.pointer = null;
		this.highlight = null;
	}
}
