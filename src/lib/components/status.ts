import type { Status } from '../domain/types';
import { a } from './app-i18n';

/** Each status in the agent's language (fixed for the page load, as the language is). */
export const STATUS_LABELS: Record<Status, string> = {
	open: a.statusOpen(),
	waiting: a.statusWaiting(),
	ready: a.statusReady(),
	connected: a.statusConnected(),
	closed: a.statusClosed(),
	expired: a.statusExpired()
};

/** One glyph per status, so status never depends on colour alone. */
export const STATUS_ICONS: Record<Status, string> = {
	open: '○',
	waiting: '◔',
	ready: '◑',
	connected: '●',
	closed: '✓',
	expired: '⌛'
};
