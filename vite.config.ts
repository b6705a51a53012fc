import { paraglideVitePlugin } from '@inlang/paraglide-js';
import { sveltekit } from '@sveltejs/kit/vite';
import { SvelteKitPWA } from '@vite-pwa/sveltekit';
import { defineConfig } from 'vitest/config';
import { beckonDevApi } from './src/server/http/dev-plugin.js';
import { localeMessages } from './scripts/locale-messages-plugin.js';

export default defineConfig({
	plugins: [
		// `vite dev` answers /api/trpc as the built server does (src/server/http/dev.ts).
		beckonDevApi(),
		// The link page's translations (messages/{locale}.json), compiled into src/lib/paraglide.
		// The page passes the request's language to each message, so no locale detection runs.
		paraglideVitePlugin({
			project: './project.inlang',
			outdir: './src/lib/paraglide',
			strategy: ['baseLocale']
		}),
		// The browser loads one language's messages (scripts/locale-messages-plugin.js).
		localeMessages(),
		sveltekit(),
		SvelteKitPWA({
			// Our own service worker (src/service-worker.ts, built by SvelteKit): precache + app-shell navigation fallback.
			strategies: 'injectManifest',
			srcDir: 'src',
			filename: 'service-worker.ts',
			// A new version waits for the agent's click on "Reload" instead of swapping silently.
			registerType: 'prompt',
			injectRegister: false,
			manifest: {
				name: 'Beckon',
				short_name: 'Beckon',
				description: 'Session requests for remote support, online and offline',
				start_url: '/',
				scope: '/',
				display: 'standalone',
				background_color: '#ffffff',
				theme_color: '#3246d3',
				icons: [
					{ src: '/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
					{ src: '/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
					{
						src: '/icon-maskable-512.png',
						sizes: '512x512',
						type: 'image/png',
						purpose: 'maskable'
					},
					{ src: '/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }
				]
			},
			injectManifest: {
				globPatterns: ['client/**/*.{js,css,ico,png,svg,webp,webmanifest}', 'prerendered/**/*.html']
			},
			devOptions: { enabled: false }
		})
	],
	test: {
		include: ['src/**/*.spec.ts', 'tests/**/*.spec.ts'],
		globalSetup: ['tests/global-setup.ts'],
		environment: 'node',
		testTimeout: 20_000,
		hookTimeout: 30_000
	}
});
