/**
 * The server secret behind session link tokens: 32 random bytes, created once and kept in the
 * database (`server_keys`), so a backup carries it and a server restored from one keeps every
 * link it had sent working.
 *
 * Earlier versions kept it in `secret.key` in the data folder: when the database has none yet,
 * that file's secret is taken over, so links sent before the upgrade keep working too.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SqlConnection } from './db/connection';
import { prepareSql } from './db/plain-sql';

const NAME = 'link-secret';

function decode(value: string, where: string): Buffer {
	const secret = Buffer.from(value.trim(), 'base64');
	if (secret.length < 32) throw new Error(`${where} is damaged: it holds fewer than 32 bytes`);
	return secret;
}

/**
 * The value kept in `server_keys` under `name`, made by `make` the first time. Two processes
 * starting at once (a server and `beckon migrate`, two instances) must end up with one value: the
 * first insert wins and both read it back.
 */
export function loadOrCreateServerKey(sqlite: SqlConnection, name: string, make: () => string) {
	const statement = prepareSql(
		sqlite,
		(param) => `SELECT value FROM server_keys WHERE name = ${param()}`
	);
	const read = () => (statement.get(name) as { value: string } | undefined)?.value;
	const stored = read();
	if (stored !== undefined) return stored;
	prepareSql(
		sqlite,
		(param) => `INSERT INTO server_keys (name, value) VALUES (${param()}, ${param()})
		 ON CONFLICT DO NOTHING`
	).run(name, make());
	return read()!;
}

export function loadOrCreateSecret(sqlite: SqlConnection, dataDir: string): Buffer {
	const legacy = join(dataDir, 'secret.key');
	const value = loadOrCreateServerKey(sqlite, NAME, () =>
		(existsSync(legacy) ? decode(readFileSync(legacy, 'utf8'), legacy) : randomBytes(32)).toString(
			'base64'
		)
	);
	return decode(value, 'the link secret in server_keys');
}
