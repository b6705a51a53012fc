import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddressOf, ownOrigin, readProxySettings } from './proxy';

const request = (headers: Record<string, string>, remoteAddress = '10.0.0.9') =>
	({ headers, socket: { remoteAddress } }) as unknown as IncomingMessage;

describe('proxy settings, read as adapter-node reads them', () => {
	it('takes the socket address and https://host when nothing is configured', () => {
		const settings = readProxySettings({});
		expect(clientAddressOf(settings, request({ 'x-forwarded-for': '1.2.3.4' }))).toBe('10.0.0.9');
		expect(ownOrigin(settings, { host: 'beckon.test:3000' })).toBe('https://beckon.test:3000');
	});

	it('honours ORIGIN over the headers', () => {
		const settings = readProxySettings({ ORIGIN: 'http://beckon.test:8080/' });
		expect(ownOrigin(settings, { host: 'elsewhere' })).toBe('http://beckon.test:8080');
		expect(() => readProxySettings({ ORIGIN: 'ftp://beckon.test' })).toThrow(/ORIGIN/);
	});

	it('builds the origin from the protocol, host and port headers', () => {
		const settings = readProxySettings({
			PROTOCOL_HEADER: 'X-Forwarded-Proto',
			HOST_HEADER: 'X-Forwarded-Host',
			PORT_HEADER: 'X-Forwarded-Port'
		});
		const headers = {
			host: 'internal:3000',
			'x-forwarded-proto': 'http',
			'x-forwarded-host': 'beckon.example.com',
			'x-forwarded-port': '8443'
		};
		expect(ownOrigin(settings, headers)).toBe('http://beckon.example.com:8443');
		expect(() => ownOrigin(settings, { ...headers, 'x-forwarded-proto': 'http://x' })).toThrow();
		expect(() => ownOrigin(settings, { ...headers, 'x-forwarded-port': 'x' })).toThrow();
	});

	it('reads X-Forwarded-For from the right by XFF_DEPTH, and refuses what does not fit', () => {
		const one = readProxySettings({ ADDRESS_HEADER: 'X-Forwarded-For' });
		const two = readProxySettings({ ADDRESS_HEADER: 'X-Forwarded-For', XFF_DEPTH: '2' });
		const forwarded = request({ 'x-forwarded-for': '198.51.100.7, 203.0.113.1' });
		expect(clientAddressOf(one, forwarded)).toBe('203.0.113.1');
		expect(clientAddressOf(two, forwarded)).toBe('198.51.100.7');
		expect(() => clientAddressOf(one, request({}))).toThrow(/ADDRESS_HEADER/);
		expect(() => clientAddressOf(two, request({ 'x-forwarded-for': '1.2.3.4' }))).toThrow(
			/XFF_DEPTH/
		);
		const realIp = readProxySettings({ ADDRESS_HEADER: 'X-Real-IP' });
		expect(clientAddressOf(realIp, request({ 'x-real-ip': '192.0.2.4' }))).toBe('192.0.2.4');
	});
});
