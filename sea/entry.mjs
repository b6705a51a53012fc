// The program inside the single executable, bundled by build.mjs together with the built server
// (adapter-node) and the CLI: the same code path as `node bin/beckon.js`.
import { isMainThread } from 'node:worker_threads';
import { main } from '../build/cli/cli.js';

// Replaced at bundle time with the package version.
const version = globalThis.BECKON_VERSION;

// In the server's database thread, importing the CLI has started what runs there.
if (isMainThread) {
	const code = await main(process.argv.slice(2), {
		version,
		loadSvelteKit: async () => (await import('../build/handler.js')).handler,
		entry: new URL(import.meta.url)
	});
	if (code !== 0) process.exit(code);
}
