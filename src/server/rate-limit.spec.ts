import { describe, expect, it } from 'vitest';
import { useTestBeckon } from '../../tests/support/test-beckon';
import { addressKey, MemoryThrottleStore, RateLimiter } from './rate-limit';
import { getLink } from './services/link-page';

describe('addressKey', () => {
	it('keys IPv6 addresses by their /64, IPv4 (also IPv4-mapped) as they are', () => {
		expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
		expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
		expect(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
		expect(addressKey('2001:0DB8:0001:0002::1')).toBe('2001:db8:1:2::/64');
		expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
		expect(addressKey('2001:db8:1:2::ffff:1.2.3.4')).toBe('2001:db8:1:2::/64');
		expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
		expect(addressKey('::1')).toBe('0:0:0:0::/64');
		expect(addressKey('::')).toBe('0:0:0:0::/64');
		// Different /64s stay apart.
		expect(addressKey('2001:db8:1:3::1')).not.toBe(addressKey('2001:db8:1:2::1'));
		// Not an address (a test's made-up key): kept as it is.
		expect(addressKey('unknown')).toBe('unknown');
	});
});

describe('RateLimiter', () => {
	it('holds at most maxKeys keys, forgetting the least recently used, with constant work per hit', () => {
		const limiter = new RateLimiter(3, 60_000, 1_000);
		const now = 1_000_000;
		// A hot key over its limit, used all along: it must stay limited.
		for (let i = 0; i < 3; i++) expect(limiter.take('hot', now)).toBe(true);
		const started = performance.now();
		for (let i = 0; i < 300_000; i++) {
			limiter.take(`client-${i}`, now);
			if (i % 100 === 0) expect(limiter.take('hot', now)).toBe(false);
		}
		const elapsedMs = performance.now() - started;
		expect(limiter.size).toBe(1_000);
		expect(limiter.take('hot', now)).toBe(false);
		// An early key was forgotten; a recent one is still counted.
		expect(limiter.take('client-5', now)).toBe(true);
		for (let i = 0; i < 3; i++) limiter.take('client-299999', now);
		expect(limiter.take('client-299999', now)).toBe(false);
		// 300,000 hits without a scan take well under a second even on a loaded machine.
		expect(elapsedMs).toBeLessThan(2_000);
	});

	it('starts a new window for a key once its window is over', () => {
		const limiter = new RateLimiter(2, 60_000);
		expect([0, 1, 2].map(() => limiter.take('a', 0))).toEqual([true, true, false]);
		expect(limiter.take('a', 59_999)).toBe(false);
		expect(limiter.take('a', 60_000)).toBe(true);
	});
});

describe('MemoryThrottleStore', () => {
	it('prunes only the keys forgotten, oldest first', () => {
		const store = new MemoryThrottleStore();
		store.increment('a', 1);
		store.increment('b', 2);
		store.increment('a', 3);
		store.prune(3);
		expect(store.get('b')).toBeUndefined();
		expect(store.get('a')).toEqual({ failures: 2, lastAt: 3 });
	});
});

describe('link guessing from IPv6', () => {
	const beckon = useTestBeckon(() => 1_000_000);

	it('counts every address of one /64 together; another /64 is not held back', () => {
		const codes: string[] = [];
		for (let i = 1; i <= 25; i++) {
			try {
				getLink(beckon.app, `not-a-token-${i}`, `2001:db8:7:7::${i.toString(16)}`);
			} catch (error) {
				codes.push((error as { reason: string }).reason);
			}
		}
		expect(codes.slice(0, 20).every((c) => c === 'link_dead')).toBe(true);
		expect(codes.slice(20)).toEqual(Array(5).fill('rate_limited'));
		let other = '';
		try {
			getLink(beckon.app, 'not-a-token', '2001:db8:7:8::1');
		} catch (error) {
			other = (error as { reason: string }).reason;
		}
		expect(other).toBe('link_dead');
	});
});
