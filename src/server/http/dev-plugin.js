/**
 * A Vite plugin for `vite dev`: `/api/trpc`, `/export/*.csv` and `/auth/oidc/*` are answered by http/dev.ts — the built server's own
 * request listener — before SvelteKit, so the dev server and the built one take one path.
 * Only this file is loaded with vite.config.ts; the server code is loaded by the dev server.
 */
// Plain JavaScript, so that vite.config.ts imports it by its own name (Vite's config loader).

const API = '/api/trpc';
const EXPORT = '/export/requests.csv';
const OIDC = '/auth/oidc/';
const REPORT_EXPORTS = ['/export/report-agents.csv', '/export/report-queues.csv'];

/** @returns {import('vite').Plugin} */
export function beckonDevApi() {
	return {
		name: 'beckon-dev-api',
		apply: 'serve',
		configureServer(server) {
			// Added here, not in a returned hook: ahead of SvelteKit's own middleware.
			server.middlewares.use((req, res, next) => {
				const url = req.url ?? '';
				const api = url === API || url.startsWith(`${API}/`) || url.startsWith(`${API}?`);
				const oidc = url.startsWith(OIDC);
				const exported = [EXPORT, ...REPORT_EXPORTS].some(
					(path) => url === path || url.startsWith(`${path}?`)
				);
				if (!api && !oidc && !exported) {
					next();
					return;
				}
				server
					.ssrLoadModule('/src/server/http/dev.ts')
					.then((dev) => dev.serveDevApi(req, res))
					.catch(next);
			});
		}
	};
}
