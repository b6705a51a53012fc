/** Server-sent event streams read as a browser's EventSource would, for tests. */
import { expect } from 'vitest';

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
