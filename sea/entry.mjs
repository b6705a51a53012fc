// The program inside the single executable, bundled by build.mjs together with the built server
// (adapter-node) and the CLI: the same code path as `node bin/beckon.js`.
import { main } from '../build/cli/cli.js';

// Replaced at bundle time with the package version.
const version = globalThis.BECKON_VERSION;

const code = await main(process.argv.slice(2), {
	version,
	loadSvelteKit: async () => (await import('../build/handler.js')).handler
});
if (code !== 0) process.exit(code);
