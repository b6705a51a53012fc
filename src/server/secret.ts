/** The server secret behind session link tokens: 32 random bytes, created once per data folder. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function loadOrCreateSecret(dataDir: string): Buffer {
	const file = join(dataDir, 'secret.key');
	if (existsSync(file)) {
		const secret = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
		if (secret.length < 32) throw new Error(`${file} is damaged: it holds fewer than 32 bytes`);
		return secret;
	}
	mkdirSync(dataDir, { recursive: true });
	const secret = randomBytes(32);
	// wx: two processes starting at once must not overwrite each other's secret.
	writeFileSync(file, secret.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
	return secret;
}
