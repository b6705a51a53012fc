/**
 * One push, as it goes on the wire: encrypted for the subscription (RFC 8291, aes128gcm) and
 * signed with the server's VAPID key (RFC 8292), both by the `web-push` library, then sent by our
 * own request so that the address connected to passes the SSRF guard (endpoint-guard.ts).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import webpush from 'web-push';
import {
	literalAddressOf,
	isPublicAddress,
	parseEndpoint,
	PrivateAddressError,
	publicOnlyLookup
} from './endpoint-guard';
import type { VapidKeys } from './vapid';

export interface PushTarget {
	endpoint: string;
	p256dh: string;
	auth: string;
}

export interface PushMessage {
	payload: string;
	/**
	 * The push service's Topic (RFC 8030 §5.4): a newer push with the same topic replaces one the
	 * device has not fetched yet. At most 32 base64url characters.
	 */
	topic: string;
	/** How long the push service keeps it for a device that is offline, in seconds. */
	ttlSeconds: number;
}

export interface PushOptions {
	vapid: VapidKeys;
	/** The VAPID `sub` claim: a mailto: or https: contact for the push service's operators. */
	subject: string;
	allowPrivate: boolean;
	timeoutMs?: number;
}

/** What the push service answered; `status` 0 when no answer came (network, refusal, timeout). */
export interface PushOutcome {
	status: number;
	error: string | null;
}

export function sendPush(
	target: PushTarget,
	message: PushMessage,
	options: PushOptions
): Promise<PushOutcome> {
	let url: URL;
	let details: ReturnType<typeof webpush.generateRequestDetails>;
	try {
		url = parseEndpoint(target.endpoint, { allowPrivate: options.allowPrivate });
		const literal = literalAddressOf(url);
		if (!options.allowPrivate && literal && !isPublicAddress(literal)) {
			throw new PrivateAddressError(literal);
		}
		details = webpush.generateRequestDetails(
			{ endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } },
			message.payload,
			{
				vapidDetails: {
					subject: options.subject,
					publicKey: options.vapid.publicKey,
					privateKey: options.vapid.privateKey
				},
				TTL: message.ttlSeconds,
				urgency: 'high',
				topic: message.topic,
				contentEncoding: 'aes128gcm'
			}
		);
	} catch (error) {
		return Promise.resolve({ status: 0, error: (error as Error).message });
	}
	const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
	return new Promise((resolve) => {
		const req = send(
			url,
			{
				method: details.method,
				headers: details.headers,
				timeout: options.timeoutMs ?? 15_000,
				...(options.allowPrivate ? {} : { lookup: publicOnlyLookup })
			},
			(res) => {
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (chunk: string) => {
					if (text.length < 500) text += chunk;
				});
				res.on('end', () => {
					const status = res.statusCode ?? 0;
					const ok = status >= 200 && status < 300;
					resolve({ status, error: ok ? null : `${status} ${text.slice(0, 200)}`.trim() });
				});
			}
		);
		req.on('timeout', () => req.destroy(new Error('the push service did not answer in time')));
		req.on('error', (error) => resolve({ status: 0, error: error.message }));
		req.end(details.body ?? undefined);
	});
}
