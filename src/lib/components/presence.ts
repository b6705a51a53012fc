import { a } from './app-i18n';
import { formatRelative } from './format';

/** The link page reports in every 20 s; a minute of silence means the end user has left. */
const ONLINE_WINDOW_MS = 60_000;

export function isOnlineNow(seenAt: string | null, now: number): boolean {
	return seenAt !== null && now - Date.parse(seenAt) < ONLINE_WINDOW_MS;
}

export function presenceLabel(seenAt: string | null, now: number): string {
	if (!seenAt) return a.notOpened();
	return isOnlineNow(seenAt, now)
		? a.onlineNow()
		: a.lastSeen({ when: formatRelative(seenAt, now) });
}
