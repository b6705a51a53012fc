/**
 * The agent's peer against fake WebRTC and a fake signalling transport, with two agents in the
 * session: it answers offers addressed to it (or to nobody, as a single-agent page sends them),
 * leaves those addressed to another agent page, and ends for good when the end user removes it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeTransport, settle } from '../../../../tests/support/fake-signalling';
import { ScreenViewer } from './viewer.svelte';

class FakePeer {
	static all: FakePeer[] = [];
	connectionState: RTCPeerConnectionState = 'new';
	remoteDescription: { type: string; sdp: string } | null = null;
	localDescription: { type: string; sdp: string } | null = null;
	onicecandidate: ((event: unknown) => void) | null = null;
	onconnectionstatechange: (() => void) | null = null;
	ontrack: ((event: unknown) => void) | null = null;
	ondatachannel: ((event: unknown) => void) | null = null;
	closed = false;
	constructor() {
		FakePeer.all.push(this);
	}
	async setRemoteDescription(description: { type: string; sdp: string }) {
		this.remoteDescription = description;
	}
	async createAnswer() {
		return { type: 'answer', sdp: `answer-to-${this.remoteDescription?.sdp}` };
	}
	async setLocalDescription(description: { type: string; sdp: string }) {
		this.localDescription = description;
	}
	async addIceCandidate() {}
	close() {
		this.closed = true;
	}
}

describe('ScreenViewer with two agents in the session', () => {
	let transport: FakeTransport;
	let viewer: ScreenViewer;
	let me: string;

	beforeEach(() => {
		vi.useFakeTimers();
		FakePeer.all = [];
		vi.stubGlobal('RTCPeerConnection', FakePeer);
		transport = new FakeTransport('end_user');
		viewer = new ScreenViewer(transport);
		viewer.start();
		me = transport.sent[0].peer;
	});
	afterEach(() => {
		viewer.close();
		vi.unstubAllGlobals();
		vi.useRealTimers();
	});

	it('answers offers for this page or for every page, and leaves those for another', async () => {
		expect(transport.sent).toEqual([{ type: 'hello', peer: me }]);
		transport.deliver({
			type: 'offer',
			peer: 'u',
			to: 'other-agent-page',
			attempt: 'a0',
			sdp: 'x'
		});
		await settle();
		expect(FakePeer.all).toHaveLength(0);
		expect(viewer.state).toBe('waiting');

		transport.deliver({ type: 'offer', peer: 'u', to: me, attempt: 'a1', sdp: 'mine' });
		await settle();
		expect(FakePeer.all).toHaveLength(1);
		expect(transport.sent.at(-1)).toMatchObject({
			type: 'answer',
			attempt: 'a1',
			sdp: 'answer-to-mine'
		});

		// A single-agent end user page addresses nobody: still answered.
		transport.deliver({ type: 'offer', peer: 'u', attempt: 'a2', sdp: 'old' });
		await settle();
		expect(transport.sent.at(-1)).toMatchObject({ type: 'answer', attempt: 'a2' });
		// A bye for the other agent's page leaves this one connected.
		transport.deliver({ type: 'bye', peer: 'u', to: 'other-agent-page', reason: 'removed' });
		await settle();
		expect(viewer.state).toBe('connecting');
	});

	it('ends for good when the end user removes this agent: no rejoining', async () => {
		transport.deliver({ type: 'offer', peer: 'u', to: me, attempt: 'a1', sdp: 'mine' });
		await settle();
		transport.deliver({ type: 'bye', peer: 'u', to: me, reason: 'removed' });
		await settle();
		expect(viewer.state).toBe('removed');
		expect(FakePeer.all[0].closed).toBe(true);
		expect(transport.handlers).toBeNull();
		await vi.advanceTimersByTimeAsync(10_000);
		expect(transport.listens).toBe(1);
	});
});
