// A queue's public help page: client-rendered per request, like the link page (so it carries the
// per-request CSP nonce and the security headers; no agent-app shell).
export const prerender = false;
export const ssr = false;
