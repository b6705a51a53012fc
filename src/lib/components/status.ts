import type { Status } from '../domain/types';
import { a } from './app-i18n';

/**
 * Each status in the agent's language (fixed for the page load, as the language is). Read when
 * shown, not when this module loads: the language's messages arrive before the first screen
 * (+layout.ts), after the modules are evaluated.
 */
export const STATUS_LABELS: Record<Status, string> = {
	get open() {
		return a.statusOpen();
	},
	get waiting() {
		return a.statusWaiting();
	},
	get ready() {
		return a.statusReady();
	},
	get connected() {
		return a.statusConnected();
	},
	get closed() {
		return a.statusClosed();
	},
	get expired() {
		return a.statusExpired();
	}
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
