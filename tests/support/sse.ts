/** Server-sent event streams read as a browser's EventSource would, for tests. */
import { expect } from 'vitest';
import { ApiError, type ApiClient } from './client';

/** A raw SSE reader over fetch: collects `data:` messages that carry no `event:` name. */
export async function openStream(
	url: string,
	cookie: string,
	headers: Record<string, string> = {}
) {
	const controller = new AbortController();
	const response = await fetch(url, {
		headers: { ...headers, cookie, accept: 'text/event-stream' },
		signal: controller.signal
	});
	expect(response.status).toBe(200);
	expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
	const messages: unknown[] = [];
	const raw: string[] = [];
	// Set by waitFor, called by the reader: typed loosely so narrowing does not pin it to null.
	let wake = null as (() => void) | null;
	const reading = (async () => {
		const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
		let buffer = '';
		try {
			for (;;) {
				const { value, done } = await reader.read();
				if (done) return;
				buffer += value;
				let end: number;
				while ((end = buffer.indexOf('\n\n')) >= 0) {
					const block = buffer.slice(0, end);
					buffer = buffer.slice(end + 2);
					raw.push(block);
					const lines = block.split('\n');
					if (lines.some((l) => l.startsWith('event:'))) continue;
					const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim());
					if (data.length > 0) messages.push(JSON.parse(data.join('\n')));
					wake?.();
				}
			}
		} catch (error) {
			if (!controller.signal.aborted) throw error;
		}
	})();
	return {
		messages,
		raw,
		/** Resolves once `count` messages have arrived, or rejects after `timeoutMs`. */
		async waitFor(count: number, timeoutMs: number) {
			const deadline = Date.now() + timeoutMs;
			while (messages.length < count) {
				const left = deadline - Date.now();
				if (left <= 0) throw new Error(`no message ${count} within ${timeoutMs} ms: ${raw}`);
				await new Promise<void>((resolve) => {
					const timer = setTimeout(resolve, left);
					wake = () => {
						clearTimeout(timer);
						resolve();
					};
				});
			}
			return messages[count - 1];
		},
		/** Settles when the server has ended the stream. */
		ended: reading,
		async close() {
			controller.abort();
			await reading;
		}
	};
}

/** One event of a tRPC SSE stream: its name (`message` when it has none), data and id. */
export interface SseEvent {
	/** The block as sent, blank for a keep-alive. */
	block: string;
	event: string;
	data?: string;
	id?: string;
}

/** The events of an SSE body in order, until it ends (an aborted fetch throws). */
export async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
	const reader = body.getReader();
	const decoder = new TextDecoder();
	let buffer = '';
	try {
		for (;;) {
			const { value, done } = await reader.read();
			if (done) return;
			buffer += decoder.decode(value, { stream: true });
			let end: number;
			while ((end = buffer.indexOf('\n\n')) >= 0) {
				const block = buffer.slice(0, end);
				buffer = buffer.slice(end + 2);
				yield {
					block,
					event: /^event: (.*)$/m.exec(block)?.[1] ?? 'message',
					data: /^data: (.*)$/m.exec(block)?.[1],
					id: /^id: (.*)$/m.exec(block)?.[1]
				};
			}
		}
	} finally {
		await reader.cancel().catch(() => {});
	}
}

/**
 * Opens the tRPC subscription `path` as `client` (its cookie or token, and a link page's session
 * key); an answer that is not an event stream is thrown as its ApiError.
 */
export async function subscribe(
	client: ApiClient,
	path: string,
	input: unknown,
	signal: AbortSignal
): Promise<ReadableStream<Uint8Array>> {
	input = client.withSessionKey(path, input);
	const qs = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
	const headers: Record<string, string> = { accept: 'text/event-stream' };
	if (client.cookie) headers.cookie = client.cookie;
	if (client.bearer) headers.authorization = `Bearer ${client.bearer}`;
	const response = await fetch(`${client.baseUrl}/api/trpc/${path}${qs}`, { headers, signal });
	if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
		const body = await response.json();
		if (body.error) throw new ApiError(response.status, body.error);
		throw new Error(`expected an event stream from ${path}`);
	}
	return response.body as ReadableStream<Uint8Array>;
}
