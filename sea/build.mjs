// `npm run build:binary`: builds dist/beckon, one executable with the Node runtime, the server,
// the built client, the migrations and the native addons inside (Node's Single Executable
// Applications). Linux x64, tied to the Node version that runs this script.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
	chmodSync,
	copyFileSync,
	cpSync,
	mkdirSync,
	readFileSync,
	readdirSync,
	rmSync,
	statSync,
	writeFileSync
} from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const stage = join(dist, 'sea-stage');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

/** Native addons and the packages that load them stay files on disk, next to the bundle. */
const NATIVE_PACKAGES = [
	'better-sqlite3',
	'bindings',
	'file-uri-to-path',
	'@node-rs/argon2',
	'@node-rs/argon2-linux-x64-gnu'
];

function filesUnder(dir) {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const path = join(dir, entry.name);
		return entry.isDirectory() ? filesUnder(path) : [path];
	});
}

if (process.platform !== 'linux' || process.arch !== 'x64') {
	throw new Error('build:binary makes a Linux x64 executable; run it on Linux x64');
}

// The test suite builds first and then packs that build (BECKON_SKIP_BUILD=1).
if (!process.env.BECKON_SKIP_BUILD) run('npm', ['run', 'build', '--silent']);
rmSync(stage, { recursive: true, force: true });
mkdirSync(join(stage, 'app'), { recursive: true });

// One ESM bundle of the CLI and the adapter-node server; its dynamic imports become chunks.
await build({
	entryPoints: { entry: join(root, 'sea/entry.mjs') },
	outdir: join(stage, 'app'),
	outExtension: { '.js': '.mjs' },
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20',
	minify: true,
	legalComments: 'none',
	external: NATIVE_PACKAGES,
	define: { 'globalThis.BECKON_VERSION': JSON.stringify(version) },
	// Bundled CommonJS dependencies call require(); give the ESM bundle one.
	banner: {
		js: "import { createRequire as __beckonRequire } from 'node:module'; const require = __beckonRequire(import.meta.url);"
	},
	logLevel: 'warning'
});
// adapter-node serves client/ and prerendered/ from beside its own code.
cpSync(join(root, 'build/client'), join(stage, 'app/client'), { recursive: true });
cpSync(join(root, 'build/prerendered'), join(stage, 'app/prerendered'), { recursive: true });
cpSync(join(root, 'drizzle'), join(stage, 'drizzle'), { recursive: true });
// PostgreSQL's client, for the connection that runs in a worker thread (db/postgres.ts requires it
// by path there): one CommonJS file, its optional native and Cloudflare bindings left out.
await build({
	entryPoints: [join(root, 'node_modules/pg/lib/index.js')],
	outfile: join(stage, 'node_modules/pg/index.js'),
	bundle: true,
	format: 'cjs',
	platform: 'node',
	target: 'node20',
	minify: true,
	legalComments: 'none',
	external: ['pg-native', 'pg-cloudflare', 'cloudflare:sockets'],
	logLevel: 'warning'
});
writeFileSync(
	join(stage, 'node_modules/pg/package.json'),
	JSON.stringify({ name: 'pg', main: 'index.js' })
);
for (const name of NATIVE_PACKAGES) {
	cpSync(join(root, 'node_modules', name), join(stage, 'node_modules', name), {
		recursive: true,
		// Build intermediates of the addon are not needed to load it.
		filter: (src) =>
			!/better-sqlite3\/(src|deps|build\/(?!Release(\/better_sqlite3\.node)?$))/.test(src)
	});
}

const files = filesUnder(stage)
	.map((file) => relative(stage, file))
	.filter((file) => !file.endsWith('.map'))
	.sort();
const hash = createHash('sha256');
// Each file's own hash too: the executable checks what it unpacked against them (main.cjs).
const hashes = {};
for (const file of files) {
	const bytes = readFileSync(join(stage, file));
	hash.update(file).update(bytes);
	hashes[file] = createHash('sha256').update(bytes).digest('hex');
}
const index = { version, hash: hash.digest('hex'), files, hashes };
writeFileSync(join(stage, 'index.json'), JSON.stringify(index));

const seaConfig = join(dist, 'sea-config.json');
writeFileSync(
	seaConfig,
	JSON.stringify({
		main: join(root, 'sea/main.cjs'),
		output: join(dist, 'sea.blob'),
		disableExperimentalSEAWarning: true,
		useCodeCache: false,
		assets: Object.fromEntries(['index.json', ...files].map((file) => [file, join(stage, file)]))
	})
);
run(process.execPath, ['--experimental-sea-config', seaConfig]);

const binary = join(dist, 'beckon');
rmSync(binary, { force: true });
copyFileSync(process.execPath, binary);
chmodSync(binary, 0o755);
execFileSync(
	process.execPath,
	[
		join(root, 'node_modules/postject/dist/cli.js'),
		binary,
		'NODE_SEA_BLOB',
		join(dist, 'sea.blob'),
		'--sentinel-fuse',
		'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'
	],
	// postject warns once per ELF note it skips; the result is sound.
	{ cwd: root, stdio: 'ignore' }
);
rmSync(join(dist, 'sea.blob'));
const size = statSync(binary).size;
console.log(`dist/beckon: ${(size / 1024 / 1024).toFixed(1)} MB, ${files.length} embedded files`);
