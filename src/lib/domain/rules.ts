/** Time-dependent rules and defaults. Every function takes `now` (ms since epoch) from its caller. */
import { invalid } from './errors';
import { isExpirable, type Permission, type Role, type Status } from './types';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** Parses `7d`, `36h`, `15m`, `90s`, `2w` (or `1h30m`) into milliseconds; null when malformed. */
export function parseDuration(text: string): number | null {
	const trimmed = text.trim();
	if (!/^(\d+[smhdw])+$/.test(trimmed)) return null;
	let total = 0;
	for (const [, amount, unit] of trimmed.matchAll(/(\d+)([smhdw])/g)) {
		total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
	}
	return total > 0 && Number.isSafeInteger(total) ? total : null;
}

/**
 * The status every read reports: a live request whose expiry has passed is expired even before
 * the sweeper has written it. A session in progress never expires mid-session.
 */
export function effectiveStatus(status: Status, expiresAt: number, now: number): Status {
	return isExpirable(status) && expiresAt <= now ? 'expired' : status;
}

/** A new request's expiry: the default lifetime, counted from its scheduled time if it has one. */
export function defaultExpiresAt(now: number, scheduledAt: number | null, lifetimeMs: number) {
	return (scheduledAt ?? now) + lifetimeMs;
}

/**
 * Checks a schedule and expiry pair. `scheduleChanged` is false when an edit keeps an existing
 * schedule, which may by then lie in the past.
 */
export function checkTimes(
	times: { scheduledAt: number | null; expiresAt: number },
	now: number,
	scheduleChanged = true
) {
	if (scheduleChanged && times.scheduledAt !== null && times.scheduledAt <= now) {
		throw invalid('scheduledAt', 'must be in the future');
	}
	if (times.expiresAt <= now) throw invalid('expiresAt', 'must be in the future');
	if (times.scheduledAt !== null && times.expiresAt <= times.scheduledAt) {
		throw invalid('expiresAt', 'must be after scheduledAt');
	}
}

export function parseInstant(text: string, field: string): number {
	const ms = Date.parse(text);
	if (Number.isNaN(ms)) throw invalid(field, 'must be an ISO-8601 date-time');
	return ms;
}

export function toIso(ms: number): string;
export function toIso(ms: number | null): string | null;
export function toIso(ms: number | null): string | null {
	return ms === null ? null : new Date(ms).toISOString();
}

export const canRead = (user: { role: Role; permission: Permission }) =>
	user.role === 'admin' || user.permission !== 'none';
export const canEdit = (user: { role: Role; permission: Permission }) =>
	user.role === 'admin' || user.permission === 'edit';

/**
 * Whether changing the recipient's email from `before` to `after` must issue a new session link:
 * when an address the link may have been sent to is replaced or removed, so that the old
 * recipient's link dies. (Adding an email where there was none keeps the link: it went to
 * nobody by mail.) Addresses are compared case-insensitively.
 */
export function recipientChangeNeedsNewLink(before: string | null, after: string | null): boolean {
	if (before === null) return false;
	return after === null || before.trim().toLowerCase() !== after.trim().toLowerCase();
}
