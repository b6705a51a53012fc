/** A minimal reader of tRPC's SSE subscription stream (`sync.poke`) over node:http. */
import { request, type ClientRequest } from 'node:http';

/** One poke as received: its JSON, and the bytes its message took on the wire. */
export interface ReceivedPoke {
	data: string;
	bytes: number;
}

export interface PokeStream {
	/**
	 * Resolves at the next poke (any data message after the first, which says "connected");
	 * rejects when none comes within `timeoutMs`.
	 */
	nextPoke(timeoutMs?: number): Promise<ReceivedPoke>;
	/** Resolves once the server has said "connected". */
	connected: Promise<void>;
	/** Pokes received so far (the "connected" message not counted). */
	readonly received: number;
	/** Why the stream ended or failed while open (`null` while it is open or closed by us). */
	readonly broken: string | null;
	close(): void;
}

export function openPokes(baseUrl: string, cookie: string): PokeStream {
	let waiting: ((poke: ReceivedPoke) => void) | null = null;
	const pending: ReceivedPoke[] = [];
	let seenConnected = false;
	let received = 0;
	let broken: string | null = null;
	let closing = false;
	let onConnected: () => void = () => undefined;
	let onFailed: (error: Error) => void = () => undefined;
	const connected = new Promise<void>((resolve, reject) => {
		onConnected = resolve;
		onFailed = reject;
	});
	const req: ClientRequest = request(`${baseUrl}/api/trpc/sync.poke`, {
		headers: { cookie, accept: 'text/event-stream' },
		// One socket per stream, as separate browsers would hold.
		agent: false
	});
	req.on('response', (res) => {
		if (res.statusCode !== 200) {
			broken = `answered ${res.statusCode}`;
			onFailed(new Error(`poke stream answered ${res.statusCode}`));
		}
		res.on('end', () => {
			if (!closing) broken ??= 'the server ended the stream';
		});
		res.on('error', (error) => {
			if (!closing) broken ??= error.message;
		});
		res.setEncoding('utf8');
		let buffer = '';
		res.on('data', (chunk: string) => {
			buffer += chunk;
			let end: number;
			while ((end = buffer.indexOf('\n\n')) >= 0) {
				const message = buffer.slice(0, end);
				buffer = buffer.slice(end + 2);
				const lines = message.split('\n');
				const event = lines
					.find((l) => l.startsWith('event:'))
					?.slice(6)
					.trim();
				const data = lines.find((l) => l.startsWith('data:'));
				// Pings and the stream's own "connected" event carry no poke.
				if (data === undefined || (event && event !== 'message')) continue;
				if (!seenConnected) {
					seenConnected = true;
					onConnected();
					continue;
				}
				received++;
				const poke = { data: data.slice(5).trim(), bytes: Buffer.byteLength(message) + 2 };
				if (waiting) {
					const resolve = waiting;
					waiting = null;
					resolve(poke);
				} else pending.push(poke);
			}
		});
	});
	req.on('error', (error) => {
		if (!closing) broken ??= error.message;
		onFailed(error);
	});
	req.end();
	return {
		connected,
		get received() {
			return received;
		},
		get broken() {
			return broken;
		},
		nextPoke(timeoutMs = 30_000) {
			const next = pending.shift();
			if (next) return Promise.resolve(next);
			return new Promise<ReceivedPoke>((resolve, reject) => {
				const timer = setTimeout(
					() => reject(new Error(`no poke within ${timeoutMs} ms`)),
					timeoutMs
				);
				waiting = (poke) => {
					clearTimeout(timer);
					resolve(poke);
				};
			});
		},
		close() {
			closing = true;
			req.destroy();
		}
	};
}
