/**
 * One webhook attempt over HTTP(S): POST the body with its headers to the target checked by the
 * SSRF guard, within the timeout, without following redirects (a 3xx is an answer like any
 * other, so a target cannot send the server on to an address the guard would refuse).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { checkTarget, guardedLookup } from './target-guard';

export interface WebhookAttempt {
	url: string;
	headers: Record<string, string>;
	body: string;
	timeoutMs: number;
	allowPrivate: boolean;
}

export interface WebhookOutcome {
	/** The answer's status; null when none came (refused target, network error, timeout). */
	statusCode: number | null;
	/** From the start of the attempt to the answer's headers (or to the failure). */
	latencyMs: number;
	retryAfter: string | null;
	/** Why it failed, when no answer came. */
	error: string | null;
}

/** Makes the attempt; never throws (every failure is an outcome to record). */
export async function sendWebhook(attempt: WebhookAttempt): Promise<WebhookOutcome> {
	const started = performance.now();
	const elapsed = () => Math.round(performance.now() - started);
	const url = new URL(attempt.url);
	try {
		// IP literals are not looked up by Node; names are checked again as they are connected to.
		await checkTarget(url, attempt.allowPrivate);
	} catch (error) {
		return { statusCode: null, latencyMs: elapsed(), retryAfter: null, error: messageOf(error) };
	}
	return new Promise((resolve) => {
		let settled = false;
		const finish = (outcome: WebhookOutcome) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			resolve(outcome);
		};
		const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
			url,
			{
				method: 'POST',
				headers: {
					...attempt.headers,
					'content-type': 'application/json',
					'content-length': String(Buffer.byteLength(attempt.body)),
					'user-agent': 'Beckon-Webhooks/1'
				},
				lookup: guardedLookup(attempt.allowPrivate),
				// One connection per attempt: nothing is kept to an admin's target between attempts.
				agent: false
			},
			(response: IncomingMessage) => {
				const header = response.headers['retry-after'];
				finish({
					statusCode: response.statusCode ?? null,
					latencyMs: elapsed(),
					retryAfter: typeof header === 'string' ? header : null,
					error: null
				});
				// The answer's body is not kept: read and dropped, at most 64 KB of it.
				let read = 0;
				response.on('data', (chunk: Buffer) => {
					read += chunk.length;
					if (read > 65_536) response.destroy();
				});
				response.on('error', () => {});
			}
		);
		const timer = setTimeout(() => {
			request.destroy(new Error(`no answer within ${attempt.timeoutMs / 1000} s`));
		}, attempt.timeoutMs);
		request.on('error', (error) =>
			finish({ statusCode: null, latencyMs: elapsed(), retryAfter: null, error: messageOf(error) })
		);
		request.end(attempt.body);
	});
}

function messageOf(error: unknown): string {
	const text = error instanceof Error ? error.message : String(error);
	return text.slice(0, 500);
}
