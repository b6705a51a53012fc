import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
export default {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter({ out: 'build' }),
		// src/service-worker.ts is built by SvelteKit; @vite-pwa/sveltekit injects the precache
		// manifest and the app registers it (with an update prompt).
		serviceWorker: { register: false },
		alias: {
			// Server-only code lives outside $lib; the ESLint rules keep client code from importing it.
			$server: 'src/server'
		},
		// Nonces for pages rendered per request (the link page), hashes for prerendered ones (the
		// agent app, as a <meta> tag: frame-ancestors cannot be set there, X-Frame-Options covers
		// what hooks.server.ts serves). Svelte's transitions and style attributes need inline styles.
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:', 'blob:'],
				'media-src': ['self', 'blob:'],
				'connect-src': ['self'],
				'frame-ancestors': ['none'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self'],
				'worker-src': ['self'],
				'manifest-src': ['self']
			}
		}
	}
};
