import { describe, expect, it } from 'vitest';
import { checkTarget, isPrivateAddress } from './target-guard';

describe('isPrivateAddress', () => {
	it.each([
		'127.0.0.1',
		'127.255.0.9',
		'10.0.0.1',
		'172.16.0.1',
		'172.31.255.254',
		'192.168.0.10',
		'169.254.169.254',
		'100.64.0.1',
		'0.0.0.0',
		'224.0.0.1',
		'255.255.255.255',
		'::',
		'::1',
		'fe80::1',
		'fd00:ec2::254',
		'fc00::5',
		'ff02::1',
		'::ffff:127.0.0.1',
		'::ffff:7f00:1',
		'::ffff:169.254.169.254',
		'64:ff9b::a9fe:a9fe',
		'2002:a00:1::1',
		'not an address'
	])('refuses %s', (address) => expect(isPrivateAddress(address)).toBe(true));

	it.each([
		'93.184.215.14',
		'8.8.8.8',
		'172.32.0.1',
		'192.169.0.1',
		'100.128.0.1',
		'2606:4700:4700::1111',
		'::ffff:8.8.8.8',
		'64:ff9b::808:808',
		'2002:808:808::1'
	])('allows %s', (address) => expect(isPrivateAddress(address)).toBe(false));
});

describe('checkTarget', () => {
	it('judges a name by what it resolves to, and lets private targets through when allowed', async () => {
		await expect(checkTarget(new URL('http://localhost:1/'), false)).rejects.toThrow(
			/localhost resolves to .*BECKON_WEBHOOK_ALLOW_PRIVATE/
		);
		await expect(checkTarget(new URL('http://[::1]/'), false)).rejects.toThrow('::1');
		await expect(checkTarget(new URL('http://localhost:1/'), true)).resolves.toBeUndefined();
		await expect(checkTarget(new URL('http://93.184.215.14/'), false)).resolves.toBeUndefined();
	});
});
