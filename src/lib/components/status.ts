import type { Status } from '../domain/types';

export const STATUS_LABELS: Record<Status, string> = {
	open: 'Open',
	waiting: 'Waiting',
	ready: 'Ready',
	connected: 'Connected',
	closed: 'Closed',
	expired: 'Expired'
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
