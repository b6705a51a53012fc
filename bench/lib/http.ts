/** A signed-in tRPC client over HTTP for benchmarks (the public wire format, no transformer). */
import { ApiClient } from '../../tests/support/client';
import { PASSWORD } from './beckon';

export async function signedIn(url: string, email: string): Promise<ApiClient> {
	const client = new ApiClient(url);
	await client.login(email, PASSWORD);
	if (!client.cookie) throw new Error(`no session cookie for ${email}`);
	return client;
}

/** GET of a tRPC query, returning the parsed data and the size of the answer in bytes. */
export async function queryWithSize<T>(
	client: ApiClient,
	path: string,
	input: unknown
): Promise<{ data: T; bytes: number }> {
	const qs = `?input=${encodeURIComponent(JSON.stringify(input))}`;
	const response = await fetch(`${client.baseUrl}/api/trpc/${path}${qs}`, {
		headers: { cookie: client.cookie ?? '' }
	});
	const text = await response.text();
	const body = JSON.parse(text);
	if (body.error) throw new Error(`${path}: ${body.error.message}`);
	return { data: body.result.data as T, bytes: Buffer.byteLength(text) };
}
