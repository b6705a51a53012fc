/** Reading a request body whole, up to a limit. */
import type { IncomingMessage } from 'node:http';

export const TOO_LARGE = Symbol('body too large');
export const GONE = Symbol('client gone');

/**
 * The body as text (as fetch's `text()` decodes it: UTF-8, no byte order mark); TOO_LARGE when
 * it declares or turns out to be longer than `limit` bytes (the rest is not read); GONE when the
 * client goes away before its end.
 */
export function readBody(
	req: IncomingMessage,
	limit: number
): Promise<string | typeof TOO_LARGE | typeof GONE> {
	if (Number(req.headers['content-length']) > limit) return Promise.resolve(TOO_LARGE);
	return new Promise((resolve) => {
		const chunks: Buffer[] = [];
		let size = 0;
		const onData = (chunk: Buffer) => {
			size += chunk.length;
			if (size <= limit) chunks.push(chunk);
			else {
				req.off('data', onData);
				resolve(TOO_LARGE);
			}
		};
		req.on('data', onData);
		req.once('end', () => {
			const text = Buffer.concat(chunks, size).toString('utf8');
			resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
		});
		// After 'end' this changes nothing: a promise settles once.
		req.once('close', () => resolve(GONE));
	});
}
