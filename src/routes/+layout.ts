import { agentLocale } from '$lib/components/agent-i18n';
import { loadMessages } from '$lib/link/message-tables';
import type { LayoutLoad } from './$types';

// The agent app is a client-rendered shell (its data lives in IndexedDB), prerendered so the
// service worker can precache it and start it with no network.
export const ssr = false;
export const prerender = true;

/**
 * The agent app's first screen's messages in its language, before a screen shows them (the end
 * user's pages load their own language's): the account, admin and reports routes and the panes
 * loaded on use add theirs (`app`, `admin`).
 */
export const load: LayoutLoad = async ({ url }) => {
	const path = url.pathname;
	if (path.startsWith('/s/') || path.startsWith('/help/')) return;
	await loadMessages(agentLocale, 'first');
};
