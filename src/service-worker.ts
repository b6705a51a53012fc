/// <reference lib="webworker" />
/**
 * The service worker: precaches the app shell so the agent app starts with no network, and
 * answers app navigations with the shell. The outbox is driven from the page, not from here
 * (Background Sync is missing in Safari and unreliable elsewhere).
 */
import { clientsClaim } from 'workbox-core';
import {
	cleanupOutdatedCaches,
	createHandlerBoundToURL,
	precacheAndRoute
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';

declare let self: ServiceWorkerGlobalScope;

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// The API, the end users' link pages and the help pages always go to the network.
registerRoute(
	new NavigationRoute(createHandlerBoundToURL('/'), {
		denylist: [/^\/api\//, /^\/s\//, /^\/help\//]
	})
);

// The page's "Reload" button on an update prompt asks the waiting worker to take over.
self.addEventListener('message', (event) => {
	if (event.data?.type === 'SKIP_WAITING') void self.skipWaiting();
});

// The first install takes control of the open page at once, so it works offline from then on.
clientsClaim();
