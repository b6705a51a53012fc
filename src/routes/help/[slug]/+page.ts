import { preferredLocale } from '$lib/link/i18n';
import { loadMessages } from '$lib/link/message-tables';
import type { PageLoad } from './$types';

// A queue's public help page: client-rendered per request, like the link page (so it carries the
// per-request CSP nonce and the security headers; no agent-app shell).
export const prerender = false;
export const ssr = false;

/** The page speaks the visitor's language: its messages are loaded before it shows. */
export const load: PageLoad = () => loadMessages(preferredLocale(navigator.languages), 'link');
