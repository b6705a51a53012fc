/**
 * The help page's proof of work, solved in the page: the first counter whose SHA-256 with the
 * challenge starts with `bits` zero bits (lib/domain/help.ts). Digests are asked of crypto.subtle
 * in batches, so the page stays responsive between them.
 */
import { leadingZeroBits, powInput } from '../domain/help';

const BATCH = 512;

export async function solveChallenge(
	challenge: string,
	bits: number,
	subtle: SubtleCrypto = crypto.subtle
): Promise<string> {
	const encoder = new TextEncoder();
	for (let start = 0; ; start += BATCH) {
		const digests = await Promise.all(
			Array.from({ length: BATCH }, (_, k) =>
				subtle.digest('SHA-256', encoder.encode(powInput(challenge, String(start + k))))
			)
		);
		const found = digests.findIndex((digest) => leadingZeroBits(new Uint8Array(digest)) >= bits);
		if (found >= 0) return String(start + found);
	}
}
