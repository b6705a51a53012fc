import type { Status } from '../domain/types';
import { a } from './app-i18n';

const TEXTS: Record<Status, () => string> = {
	open: a.statusOpen,
	waiting: a.statusWaiting,
	ready: a.statusReady,
	connected: a.statusConnected,
	closed: a.statusClosed,
	expired: a.statusExpired
};

/**
 * Each status in the agent's language (fixed for the page load, as the language is). Read when
 * shown, not when this module loads: the language's messages arrive before the first screen
 * (+layout.ts), after the modules are evaluated.
 */
export const STATUS_LABELS = Object.defineProperties(
	{} as Record<Status, string>,
	Object.fromEntries(
		Object.entries(TEXTS).map(([status, text]) => [status, { get: () => text(), enumerable: true }])
	)
);

/** One glyph per status, so status never depends on colour alone. */
export const STATUS_ICONS: Record<Status, string> = {
	open: '○',
	waiting: '◔',
	ready: '◑',
	connected: '●',
	closed: '✓',
	expired: '⌛'
};
