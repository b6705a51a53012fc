/**
 * A queue's public help page, the rules both sides share: whether it is open at an instant
 * (its opening hours in their time zone) and the proof-of-work puzzle the end user's browser
 * solves (a SHA-256 digest with `bits` leading zero bits).
 */
import type { OpeningHours } from './types';

/** The weekday (0 Sunday … 6) and the time HH:MM at `now` in `timeZone`. */
export function localTime(now: number, timeZone: string): { day: number; time: string } {
	const parts = new Intl.DateTimeFormat('en-US', {
		timeZone,
		weekday: 'short',
		hour: '2-digit',
		minute: '2-digit',
		hourCycle: 'h23'
	}).formatToParts(now);
	const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
	const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(part('weekday'));
	return { day, time: `${part('hour')}:${part('minute')}` };
}

/** Whether a page with these hours takes requests at `now` (no hours: always). */
export function isOpenAt(hours: OpeningHours | null, now: number): boolean {
	if (!hours) return true;
	const { day, time } = localTime(now, hours.timeZone);
	return hours.days.includes(day) && time >= hours.from && time < hours.to;
}

/** How many leading bits of `bytes` are zero. */
export function leadingZeroBits(bytes: Uint8Array): number {
	let bits = 0;
	for (const byte of bytes) {
		if (byte === 0) {
			bits += 8;
			continue;
		}
		return bits + Math.clz32(byte) - 24;
	}
	return bits;
}

/** The text whose SHA-256 digest a solution must make start with the zero bits. */
export const powInput = (challenge: string, solution: string) => `${challenge}:${solution}`;
