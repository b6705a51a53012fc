/// <reference lib="webworker" />
/**
 * The service worker: precaches the app shell so the agent app starts with no network, and
 * answers app navigations with the shell. The outbox is driven from the page, not from here
 * (Background Sync is missing in Safari and unreliable elsewhere).
 *
 * It also shows the agent's alerts: Web Push messages (the server's `{requestId, status, kind,
 * firstName, tag}`) become notifications in the app's language (the user's setting, which the
 * page keeps in Cache Storage, else the browser's language), one per request (`tag`); a
 * click on one — whoever showed it, this worker or the page — opens that request.
 */
import { clientsClaim } from 'workbox-core';
import {
	cleanupOutdatedCaches,
	createHandlerBoundToURL,
	precacheAndRoute
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import {
	agentLocale,
	LANGUAGE_CACHE,
	LANGUAGE_CACHE_URL,
	resolveLocale
} from './lib/components/agent-i18n';
import { alertNotification, isAlertKind, type AlertKind } from './lib/components/alert-texts';
import { OPEN_REQUEST_MESSAGE, type OpenRequestMessage } from './lib/client/notification-protocol';

declare let self: ServiceWorkerGlobalScope;

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// The API, CSV exports, the end users’ link pages and the help pages always go to the network.
registerRoute(
	new NavigationRoute(createHandlerBoundToURL('/'), {
		denylist: [/^\/api\//, /^\/s\//, /^\/export\//, /^\/help\//, /^\/auth\/oidc\//]
	})
);

// The page's "Reload" button on an update prompt asks the waiting worker to take over.
self.addEventListener('message', (event) => {
	if (event.data?.type === 'SKIP_WAITING') void self.skipWaiting();
});

interface AlertPush {
	requestId: string;
	kind: AlertKind;
	firstName: string;
	tag: string;
}

function readPush(event: PushEvent): AlertPush | null {
	try {
		const data = event.data?.json() as Partial<AlertPush> | undefined;
		if (typeof data?.requestId !== 'string' || !isAlertKind(data.kind)) return null;
		return {
			requestId: data.requestId,
			kind: data.kind,
			firstName: typeof data.firstName === 'string' ? data.firstName : '',
			tag: typeof data.tag === 'string' ? data.tag : `request-${data.requestId}`
		};
	} catch {
		return null;
	}
}

/** The language the page resolved (agent-i18n.ts `rememberLanguage`); the browser's otherwise. */
async function appLocale(): Promise<typeof agentLocale> {
	try {
		const answer = await (await caches.open(LANGUAGE_CACHE)).match(LANGUAGE_CACHE_URL);
		const chosen = answer ? await answer.text() : '';
		return resolveLocale(chosen, navigator.languages, null);
	} catch {
		return agentLocale;
	}
}

async function showAlert(push: AlertPush) {
	// The app in front of the agent shows its own toast (from sync) and needs no notification.
	const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
	if (windows.some((client) => client.focused && client.visibilityState === 'visible')) return;
	const { title, body } = alertNotification(push.kind, push.firstName, await appLocale());
	await self.registration.showNotification(title, {
		body,
		tag: push.tag,
		icon: '/icon-192.png',
		badge: '/icon-192.png',
		data: { requestId: push.requestId }
	});
}

self.addEventListener('push', (event) => {
	const push = readPush(event);
	if (push) event.waitUntil(showAlert(push));
});

async function openRequest(requestId: string) {
	const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
	const app = windows.find((client) => !new URL(client.url).pathname.startsWith('/s/'));
	if (app) {
		await app.focus();
		app.postMessage({ type: OPEN_REQUEST_MESSAGE, requestId } satisfies OpenRequestMessage);
		return;
	}
	await self.clients.openWindow(`/?request=${encodeURIComponent(requestId)}`);
}

self.addEventListener('notificationclick', (event) => {
	event.notification.close();
	const requestId = (event.notification.data as { requestId?: unknown } | null)?.requestId;
	if (typeof requestId === 'string') event.waitUntil(openRequest(requestId));
});

// The first install takes control of the open page at once, so it works offline from then on.
clientsClaim();
