import { preferredLocale } from '$lib/link/i18n';
import { loadMessages } from '$lib/link/message-tables';
import type { PageLoad } from './$types';

// The end user's link page. Tokens are not known at build time, and server rendering would put
// nothing in the HTML that the token does not unlock: a client-rendered shell, served per request
// (so it carries the per-request CSP nonce and security headers).
export const prerender = false;
export const ssr = false;

/**
 * The visitor's language, loaded before the page shows its first words; LinkPage loads the
 * request's language when it differs.
 */
export const load: PageLoad = () => loadMessages(preferredLocale(navigator.languages), 'link');
