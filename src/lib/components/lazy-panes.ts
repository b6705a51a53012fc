/**
 * The parts of the agent app that the request list does not need, loaded on first use so the
 * first screen ships less JavaScript (README, Performance row 7): the request detail (with the
 * edit dialog, link sharing, the live session and bits-ui's tooltips), the create dialog, the
 * notification settings and the live session a colleague invites the agent into.
 * The service worker precaches every chunk of the build, so they load with no network as well.
 */

/**
 * Imports once and shares the promise. A failed import (the network dropped before the service
 * worker took control, or a deploy removed the chunk) is not remembered: the next call tries again.
 */
function once<T>(load: () => Promise<T>): () => Promise<T> {
	let loading: Promise<T> | null = null;
	return () =>
		(loading ??= load().catch((error: unknown) => {
			loading = null;
			throw error;
		}));
}

export const loadRequestDetail = once(() => import('./RequestDetail.svelte'));
export const loadCreateRequestDialog = once(() => import('./CreateRequestDialog.svelte'));
export const loadNotificationSettings = once(() => import('./NotificationSettings.svelte'));
/** A colleague's live session, joined from an invitation (SessionInvites). */
export const loadSessionView = once(() => import('./SessionView.svelte'));
