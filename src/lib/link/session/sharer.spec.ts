/**
 * The end user's peer against fake WebRTC and a fake signalling transport: when it offers, how it
 * answers a hello, how it retries a dropped connection (ICE restarts, then fresh connections,
 * then "lost"), and that capture stops when consent or the session ends.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeTransport, settle } from '../../../../tests/support/fake-signalling';
import { ScreenSharer } from './sharer.svelte';

class FakeTrack {
	kind = 'video';
	stopped = false;
	#ended: (() => void)[] = [];
	addEventListener(_type: 'ended', listener: () => void) {
		this.#ended.push(listener);
	}
	stop() {
		this.stopped = true;
	}
	endByBrowser() {
		this.#ended.forEach((l) => l());
	}
}

class FakeStream {
	track = new FakeTrack();
	getTracks() {
		return [this.track];
	}
	getVideoTracks() {
		return [this.track];
	}
}

class FakeChannel {
	readyState = 'connecting';
	onopen: (() => void) | null = null;
	onclose: (() => void) | null = null;
	onmessage: ((event: { data: string }) => void) | null = null;
	sent: string[] = [];
	send(data: string) {
		this.sent.push(data);
	}
	close() {
		this.readyState = 'closed';
	}
}

class FakePeer {
	static all: FakePeer[] = [];
	signalingState: RTCSignalingState = 'stable';
	connectionState: RTCPeerConnectionState = 'new';
	localDescription: { type: string; sdp: string } | null = null;
	remoteDescription: { type: string; sdp: string } | null = null;
	onicecandidate: ((event: unknown) => void) | null = null;
	onconnectionstatechange: (() => void) | null = null;
	tracks: unknown[] = [];
	channels: FakeChannel[] = [];
	offers = 0;
	closed = false;
	constructor(readonly config: RTCConfiguration) {
		FakePeer.all.push(this);
	}
	addTrack(track: unknown) {
		this.tracks.push(track);
	}
	createDataChannel() {
		const channel = new FakeChannel();
		this.channels.push(channel);
		return channel;
	}
	getSenders() {
		return this.tracks.map((track) => ({ track, replaceTrack: vi.fn() }));
	}
	async createOffer(options?: { iceRestart?: boolean }) {
		this.offers += 1;
		return { type: 'offer', sdp: `offer-${this.offers}${options?.iceRestart ? '-restart' : ''}` };
	}
	async setLocalDescription(description: { type: string; sdp: string }) {
		this.localDescription = description;
		this.signalingState = 'have-local-offer';
	}
	async setRemoteDescription(description: { type: string; sdp: string }) {
		this.remoteDescription = description;
		this.signalingState = 'stable';
	}
	async addIceCandidate() {}
	close() {
		this.closed = true;
	}
	/** The browser reports a new connection state. */
	become(state: RTCPeerConnectionState) {
		this.connectionState = state;
		this.onconnectionstatechange?.();
	}
}

describe('ScreenSharer', () => {
	let transport: FakeTransport;
	let sharer: ScreenSharer;
	let streams: FakeStream[];

	beforeEach(() => {
		vi.useFakeTimers();
		FakePeer.all = [];
		streams = [];
		vi.stubGlobal('RTCPeerConnection', FakePeer);
		vi.stubGlobal('navigator', {
			mediaDevices: {
				getDisplayMedia: vi.fn(async () => {
					const stream = new FakeStream();
					streams.push(stream);
					return stream;
				})
			}
		});
		transport = new FakeTransport('agent', [{ urls: 'stun:stun.example.com' }]);
		sharer = new ScreenSharer(transport);
	});
	afterEach(() => {
		sharer.close();
		vi.unstubAllGlobals();
		vi.useRealTimers();
	});

	/** Agent page `peer` (of `agent`) answers the last offer, and that connection comes up. */
	async function answerLastOffer(peer: string, sdp: string, agent?: { id: string; name: string }) {
		const offer = transport.last('offer');
		transport.deliver({ type: 'answer', peer, attempt: offer.attempt, sdp }, agent);
		await settle();
		FakePeer.all.at(-1)?.become('connected');
		return offer;
	}

	/** Connected with the screen shared and the first offer answered by agent `peer`. */
	async function connected(peer = 'agent-1') {
		sharer.setStatus('ready');
		await sharer.share();
		sharer.setStatus('connected');
		await settle();
		return answerLastOffer(peer, 'answer');
	}

	it('says hello when allowed, and offers only once the session is started and shared', async () => {
		sharer.setStatus('ready');
		expect(transport.sent).toEqual([{ type: 'hello', peer: expect.any(String) }]);
		await sharer.share();
		await settle();
		expect(FakePeer.all).toHaveLength(0);

		sharer.setStatus('connected');
		await settle();
		expect(FakePeer.all).toHaveLength(1);
		const offer = transport.last('offer');
		expect(offer).toMatchObject({ type: 'offer', sdp: 'offer-1' });
		expect(FakePeer.all[0].config.iceServers).toEqual([{ urls: 'stun:stun.example.com' }]);
		expect(FakePeer.all[0].tracks).toHaveLength(1);
		expect(sharer.state).toBe('connecting');

		// Answers of another attempt are stale.
		transport.deliver({ type: 'answer', peer: 'a', attempt: 'other', sdp: 'x' });
		await settle();
		expect(FakePeer.all[0].remoteDescription).toBeNull();
		transport.deliver({ type: 'answer', peer: 'a', attempt: offer.attempt, sdp: 'answer' });
		await settle();
		expect(FakePeer.all[0].remoteDescription).toEqual({ type: 'answer', sdp: 'answer' });
		FakePeer.all[0].become('connected');
		expect(sharer.state).toBe('connected');
	});

	it('offers afresh to a new agent page, but not to the one it is connected to', async () => {
		const first = await connected('agent-1');
		transport.deliver({ type: 'hello', peer: 'agent-1' });
		await settle();
		expect(FakePeer.all).toHaveLength(1);

		transport.deliver({ type: 'hello', peer: 'agent-2' });
		await settle();
		expect(FakePeer.all).toHaveLength(2);
		expect(FakePeer.all[0].closed).toBe(true);
		expect(transport.last('offer').attempt).not.toBe(first.attempt);
	});

	it('restarts ICE on a drop, then starts fresh connections, then reports the connection lost', async () => {
		const offer = await connected();
		const pc = FakePeer.all[0];

		pc.become('disconnected');
		await vi.advanceTimersByTimeAsync(3_000);
		await settle();
		expect(sharer.state).toBe('reconnecting');
		expect(transport.last('offer')).toMatchObject({
			attempt: offer.attempt,
			sdp: 'offer-2-restart'
		});

		// The agent answers the restart; it fails again: a second restart, at once.
		transport.deliver({ type: 'answer', peer: 'agent-1', attempt: offer.attempt, sdp: 'a2' });
		await settle();
		pc.become('failed');
		await settle();
		expect(transport.last('offer').sdp).toBe('offer-3-restart');
		expect(FakePeer.all).toHaveLength(1);

		// No answer in time: fresh connections next, then it gives up.
		await vi.advanceTimersByTimeAsync(8_000);
		await settle();
		expect(FakePeer.all).toHaveLength(2);
		expect(transport.last('offer').attempt).not.toBe(offer.attempt);
		await vi.advanceTimersByTimeAsync(8_000);
		await settle();
		expect(FakePeer.all).toHaveLength(3);
		await vi.advanceTimersByTimeAsync(8_000);
		await settle();
		expect(sharer.state).toBe('lost');
		expect(FakePeer.all.every((p) => p.closed)).toBe(true);

		// The end user tries again: a fresh offer, and a success resets the count.
		sharer.retry();
		await settle();
		expect(FakePeer.all).toHaveLength(4);
		const retry = transport.last('offer');
		transport.deliver({ type: 'answer', peer: 'agent-1', attempt: retry.attempt, sdp: 'a' });
		await settle();
		FakePeer.all[3].become('connected');
		expect(sharer.state).toBe('connected');
	});

	it('waits for the agent after it leaves, and offers again when it says hello', async () => {
		await connected('agent-1');
		transport.deliver({ type: 'bye', peer: 'agent-1', reason: 'left' });
		await settle();
		expect(sharer.state).toBe('waiting');
		expect(FakePeer.all[0].closed).toBe(true);
		transport.deliver({ type: 'hello', peer: 'agent-1' });
		await settle();
		expect(FakePeer.all).toHaveLength(2);
	});

	it('listens again when the server ends its stream during the session (a restart)', async () => {
		await connected();
		const hellos = () => transport.sent.filter((m) => m.type === 'hello').length;
		expect(hellos()).toBe(1);
		transport.handlers?.onClose(null);
		await vi.advanceTimersByTimeAsync(2_000);
		expect(transport.handlers).not.toBeNull();
		expect(hellos()).toBe(2);
	});

	it('stops listening, and says so, when the session belongs to another page', async () => {
		await connected();
		const hellos = () => transport.sent.filter((m) => m.type === 'hello').length;
		expect(sharer.otherPage).toBe(false);
		transport.handlers?.onClose({ data: { code: 'FORBIDDEN' } });
		await vi.advanceTimersByTimeAsync(5_000);
		expect(sharer.otherPage).toBe(true);
		// Not listened to again (a restart's end, by contrast, is followed by a new hello).
		expect(hellos()).toBe(1);
	});

	it('stops capturing when consent is withdrawn or the session ends', async () => {
		await connected();
		sharer.setStatus('waiting');
		expect(streams[0].track.stopped).toBe(true);
		expect(sharer.stream).toBeNull();
		expect(transport.handlers).toBeNull();

		sharer.setStatus('ready');
		await sharer.share();
		sharer.setStatus('closed');
		expect(streams[1].track.stopped).toBe(true);
		expect(sharer.state).toBe('ended');
	});

	it('notices when the browser stops the capture', async () => {
		sharer.setStatus('ready');
		await sharer.share();
		streams[0].track.endByBrowser();
		expect(sharer.stream).toBeNull();
		expect(sharer.stoppedSharing).toBe(true);
	});

	it('sends chat only on an open channel, and shows the agent pointer', async () => {
		await connected();
		expect(sharer.sendChat('hello')).toBe(false);
		const channel = FakePeer.all[0].channels[0];
		channel.readyState = 'open';
		channel.onopen?.();
		expect(sharer.channelOpen).toBe(true);
		expect(sharer.sendChat('  hello  ')).toBe(true);
		expect(JSON.parse(channel.sent[0])).toMatchObject({ type: 'chat', text: 'hello' });
		channel.onmessage?.({ data: JSON.stringify({ type: 'chat', id: 'm', text: 'hi', at: 'now' }) });
		expect(sharer.chat.map((c) => [c.mine, c.text])).toEqual([
			[true, 'hello'],
			[false, 'hi']
		]);

		channel.onmessage?.({ data: '{"type":"highlight","x":0.5,"y":0.25}' });
		expect(sharer.pointer).toEqual({ x: 0.5, y: 0.25 });
		expect(sharer.highlight).toMatchObject({ x: 0.5, y: 0.25 });
		await vi.advanceTimersByTimeAsync(5_000);
		expect(sharer.pointer).toBeNull();
	});

	describe('with a second agent', () => {
		const ana = { id: 'user-ana', name: 'Ana' };
		const ben = { id: 'user-ben', name: 'Ben' };

		/** Ana connected (her page `page-a`), then Ben's page `page-b` says hello. */
		async function twoAgents() {
			sharer.setStatus('ready');
			await sharer.share();
			sharer.setStatus('connected');
			transport.deliver({ type: 'hello', peer: 'page-a' }, ana);
			await settle();
			const first = await answerLastOffer('page-a', 'a', ana);
			transport.deliver({ type: 'hello', peer: 'page-b' }, ben);
			await settle();
			const second = await answerLastOffer('page-b', 'b', ben);
			return { first, second };
		}

		it('keeps one connection per agent, each offer addressed to its agent page', async () => {
			const { first, second } = await twoAgents();
			const live = FakePeer.all.filter((p) => !p.closed);
			expect(live).toHaveLength(2);
			expect(live.every((p) => p.tracks.length === 1)).toBe(true);
			expect(second.to).toBe('page-b');
			expect(second.attempt).not.toBe(first.attempt);
			expect(live[1].remoteDescription).toEqual({ type: 'answer', sdp: 'b' });
			expect(sharer.watching).toEqual([
				{ key: 'user-ana', name: 'Ana' },
				{ key: 'user-ben', name: 'Ben' }
			]);
			expect(sharer.joined?.name).toBe('Ben');
			// Ana's page reloading is still Ana: her connection is replaced, Ben's stays.
			transport.deliver({ type: 'hello', peer: 'page-a2' }, ana);
			await settle();
			expect(transport.last('offer').to).toBe('page-a2');
			expect(live[1].closed).toBe(false);
		});

		it('sends the end user’s chat to both and passes each agent’s chat to the other', async () => {
			await twoAgents();
			const [a, b] = FakePeer.all.map((p) => p.channels[0]);
			for (const channel of [a, b]) {
				channel.readyState = 'open';
				channel.onopen?.();
			}
			expect(sharer.sendChat('hi both')).toBe(true);
			expect(JSON.parse(a.sent[0]).text).toBe('hi both');
			expect(JSON.parse(b.sent[0]).text).toBe('hi both');
			b.onmessage?.({
				data: JSON.stringify({ type: 'chat', id: 'm1', text: 'Ben here', at: 'now' })
			});
			expect(JSON.parse(a.sent[1])).toMatchObject({ text: 'Ben here', author: 'Ben' });
			expect(sharer.chat.map((c) => [c.mine, c.author ?? null, c.text])).toEqual([
				[true, null, 'hi both'],
				[false, 'Ben', 'Ben here']
			]);
		});

		it('removes the second agent: told with a bye to their page, the server asked, hellos ignored', async () => {
			await twoAgents();
			await sharer.removeGuest('user-ben');
			expect(transport.last('bye')).toMatchObject({ reason: 'removed', to: 'page-b' });
			expect(transport.removed).toEqual(['user-ben']);
			expect(FakePeer.all[1].closed).toBe(true);
			expect(sharer.watching.map((w) => w.name)).toEqual(['Ana']);
			const peers = FakePeer.all.length;
			transport.deliver({ type: 'hello', peer: 'page-b' }, ben);
			await settle();
			expect(FakePeer.all).toHaveLength(peers);
		});
	});
});
