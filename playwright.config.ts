/**
 * End-to-end tests of the agent app (tests/e2e) against the built server, `node bin/beckon.js
 * serve`, on a random port of 127.0.0.1 with a fresh data folder and a bootstrap admin.
 * `npm test` builds first; run alone with `npm run build && npx playwright test`.
 */
import { defineConfig } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_ARGS, chromiumPath } from './scripts/chromium.js';

// The config is loaded by the runner and again by each worker: values picked here travel in the
// environment, which workers inherit, so they all talk to the one server the runner started.
process.env.E2E_PORT ??= String(20000 + Math.floor(Math.random() * 20000));
if (!process.env.E2E_DATA_DIR) {
	const dataDir = mkdtempSync(join(tmpdir(), 'beckon-e2e-'));
	process.env.E2E_DATA_DIR = dataDir;
	// Only the process that made the folder removes it, after the server has been stopped.
	process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
}
process.env.BECKON_ADMIN_EMAIL ??= 'e2e-admin@example.com';
process.env.BECKON_ADMIN_PASSWORD ??= 'e2e-admin-password';

const baseURL = `http://127.0.0.1:${process.env.E2E_PORT}`;

export default defineConfig({
	testDir: 'tests/e2e',
	testMatch: '*.e2e.ts',
	workers: 1,
	retries: 0,
	reporter: 'list',
	timeout: 30_000,
	expect: { timeout: 5_000 },
	use: {
		baseURL,
		serviceWorkers: 'allow',
		screenshot: 'only-on-failure',
		launchOptions: {
			executablePath: chromiumPath(),
			args: [
				...CHROMIUM_ARGS,
				// Live sessions: screen capture answered without a picker, from a fake screen.
				'--use-fake-ui-for-media-stream',
				'--use-fake-device-for-media-stream',
				'--auto-select-desktop-capture-source=Entire screen'
			]
		}
	},
	webServer: {
		command: 'node bin/beckon.js serve',
		url: `${baseURL}/`,
		reuseExistingServer: false,
		// bin/beckon.js builds first when the build is older than the sources.
		timeout: 120_000,
		env: {
			PORT: process.env.E2E_PORT,
			HOST: '127.0.0.1',
			BECKON_DATA_DIR: process.env.E2E_DATA_DIR,
			BECKON_PUBLIC_URL: baseURL,
			BECKON_ADMIN_EMAIL: process.env.BECKON_ADMIN_EMAIL,
			BECKON_ADMIN_PASSWORD: process.env.BECKON_ADMIN_PASSWORD,
			// The webhook test's receiver listens on 127.0.0.1.
			BECKON_WEBHOOK_ALLOW_PRIVATE: '1',
			// Help pages' proof of work: a few hundred hashes instead of 65,000.
			BECKON_HELP_POW_BITS: '8'
		}
	}
});
