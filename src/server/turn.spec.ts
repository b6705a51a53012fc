import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';
import { iceServersFor } from './turn';

const NOW = Date.parse('2030-01-01T00:00:00Z');
const base = { BECKON_DATA_DIR: '/tmp/beckon-turn-test' };

describe('TURN credentials', () => {
	const config = loadConfig({
		...base,
		BECKON_ICE_SERVERS:
			'[{"urls":"stun:stun.example.com"},{"urls":"turn:static.example.com","username":"team","credential":"static-password"}]',
		BECKON_TURN_URLS: 'turn:turn.example.com:3478, turns:turn.example.com:5349',
		BECKON_TURN_SECRET: 'a shared secret of coturn',
		BECKON_TURN_TTL: '1h'
	});

	it('gives each session its own credentials by the TURN REST API, expiring after the TTL', () => {
		const servers = iceServersFor(config, 'request-1', 'end_user', NOW);
		const turn = servers.find((s) => s.username !== undefined)!;
		expect(turn.urls).toEqual(['turn:turn.example.com:3478', 'turns:turn.example.com:5349']);
		const expires = Math.floor((NOW + 3_600_000) / 1000);
		expect(turn.username).toBe(`${expires}:request-1`);
		expect(turn.credential).toBe(
			createHmac('sha1', 'a shared secret of coturn').update(turn.username!).digest('base64')
		);
		const other = iceServersFor(config, 'request-2', 'end_user', NOW).find((s) => s.username);
		expect(other!.username).toBe(`${expires}:request-2`);
		expect(other!.credential).not.toBe(turn.credential);
	});

	it('never hands an end user the static credentials of BECKON_ICE_SERVERS; agents keep them', () => {
		const endUser = iceServersFor(config, 'request-1', 'end_user', NOW);
		expect(JSON.stringify(endUser)).not.toContain('static-password');
		expect(endUser.map((s) => s.urls)).toContainEqual('stun:stun.example.com');
		const agent = iceServersFor(config, 'request-1', 'agent', NOW);
		expect(agent).toContainEqual({
			urls: 'turn:static.example.com',
			username: 'team',
			credential: 'static-password'
		});
	});

	it('needs the URLs and the secret together, and a secret of 16 characters or more', () => {
		expect(() => loadConfig({ ...base, BECKON_TURN_URLS: 'turn:t.example.com' })).toThrow(
			ConfigError
		);
		expect(() =>
			loadConfig({ ...base, BECKON_TURN_URLS: 'turn:t.example.com', BECKON_TURN_SECRET: 'short' })
		).toThrow(/BECKON_TURN_SECRET must be at least 16 characters$/);
		expect(() =>
			loadConfig({
				...base,
				BECKON_TURN_URLS: 'stun:t.example.com',
				BECKON_TURN_SECRET: 'long enough secret'
			})
		).toThrow(/BECKON_TURN_URLS must list turn:/);
		expect(loadConfig(base).turn).toBeNull();
	});
});
