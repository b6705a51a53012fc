import { defineConfig } from 'vite';

/** Builds the `beckon` command-line tool (bin/beckon.js loads it) into build/cli. */
export default defineConfig({
	build: {
		ssr: 'src/server/cli.ts',
		outDir: 'build/cli',
		emptyOutDir: true,
		target: 'node20',
		sourcemap: true
	}
});
