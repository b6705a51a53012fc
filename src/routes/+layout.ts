// The agent app is a client-rendered shell (its data lives in IndexedDB), prerendered so the
// service worker can precache it and start it with no network.
export const ssr = false;
export const prerender = true;
