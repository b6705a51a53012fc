// The end user's link page. Tokens are not known at build time, and server rendering would put
// nothing in the HTML that the token does not unlock: a client-rendered shell, served per request
// (so it carries the per-request CSP nonce and security headers).
export const prerender = false;
export const ssr = false;
