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
		}
	}
};
