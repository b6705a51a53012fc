/**
 * One language's messages in the browser (README, Performance rows 7 and 14).
 *
 * Paraglide compiles each message into one module holding its text in all six languages, so a
 * page that shows one language carries all six. This plugin splits them by language:
 *
 * - Paraglide compiles the project a second time with `outputStructure: 'locale-modules'` (one
 *   module per language, every message in it) into `.svelte-kit/locale-messages`.
 * - `virtual:beckon-messages/<group>/<locale>` holds one group's messages of one language (their
 *   code, taken from that language's module), so each is a chunk of its own. The
 *   groups follow who shows the messages (see `groupKeys`): `first` (the agent app's first
 *   screen), `app` (its panes loaded on use and account screen), `admin` (the admin and reports
 *   screens) and `link` (the end user's link and help pages). A key belongs to a group when one
 *   of that part's source files names it.
 * - `virtual:beckon-messages` maps each group and language to its loader (a dynamic import);
 *   `src/lib/link/message-tables.ts` loads them and looks messages up.
 * - In the browser build, each Paraglide message module (`src/lib/paraglide/messages/<key>.js`)
 *   becomes a lookup of its key in the loaded tables, so the screens' imports stay as they are.
 *   The server build, the service worker and the tests keep Paraglide's own modules.
 *
 * The service worker precaches every chunk of the build, so another language loads offline too.
 */
// Plain JavaScript, so that vite.config.ts imports it by its own name (Vite's config loader).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { compile } from '@inlang/paraglide-js';

const VIRTUAL = 'virtual:beckon-messages';
const RESOLVED = '\0beckon-messages';
export const GROUPS = /** @type {const} */ (['first', 'app', 'admin', 'link']);

/** The end user's pages and the admin screens, by their path under src/. */
function areaOf(/** @type {string} */ path) {
	if (/^(lib\/link|routes\/s|routes\/help)\//.test(path)) return 'link';
	if (/^(lib\/components\/(admin|reports)|routes\/(admin|reports))\//.test(path)) return 'admin';
	return 'app';
}

function sourceFiles(/** @type {string} */ dir, /** @type {string[]} */ out = []) {
	for (const name of readdirSync(dir)) {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) {
			if (name !== 'paraglide' && name !== 'server') sourceFiles(path, out);
		} else if (/\.(ts|svelte)$/.test(name) && !/\.spec\.ts$/.test(name)) out.push(path);
	}
	return out;
}

/** The files a file imports statically (with code: `import type` is left out), under src/. */
function staticImports(/** @type {string} */ file, /** @type {string} */ src) {
	const code = readFileSync(file, 'utf8');
	/** @type {string[]} */
	const found = [];
	for (const [, what] of code.matchAll(
		/^\s*import\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm
	)) {
		const base = what.startsWith('$lib/')
			? join(src, 'lib', what.slice(5))
			: what.startsWith('.')
				? resolve(dirname(file), what)
				: null;
		if (!base) continue;
		const candidates = [base, `${base}.ts`, base.replace(/\.js$/, '.ts'), join(base, 'index.ts')];
		const hit = candidates.find((path) => existsSync(path) && statSync(path).isFile());
		if (hit) found.push(hit);
	}
	return found;
}

/**
 * The keys of each group, from the message keys each source file names:
 * - `first`: the agent app's first screen, the files the root layout and the requests page
 *   import statically (loaded by +layout.ts before any screen shows);
 * - `app`: the rest of the agent app (the panes loaded on use, the account screen), less `first`;
 * - `link`: the end user's link and help pages;
 * - `admin`: what no other part names (the admin and reports screens', which load `app` too).
 */
export function groupKeys(/** @type {string} */ root) {
	const keys = Object.keys(JSON.parse(readFileSync(join(root, 'messages/en.json'), 'utf8'))).filter(
		(key) => !key.startsWith('$')
	);
	const known = new Set(keys);
	const src = join(root, 'src');
	const first = new Set();
	const queue = ['routes/+layout.svelte', 'routes/+layout.ts', 'routes/+page.svelte'].map((path) =>
		join(src, path)
	);
	while (queue.length) {
		const file = /** @type {string} */ (queue.pop());
		if (first.has(file) || file.includes(`${sep}paraglide${sep}`)) continue;
		first.add(file);
		queue.push(...staticImports(file, src));
	}
	/** @type {Record<'first' | 'app' | 'admin' | 'link', Set<string>>} */
	const named = { first: new Set(), app: new Set(), admin: new Set(), link: new Set() };
	for (const file of sourceFiles(src)) {
		const area = areaOf(relative(src, file).split(sep).join('/'));
		const group = area === 'app' && first.has(file) ? 'first' : area;
		for (const word of readFileSync(file, 'utf8').match(/[a-z][a-z0-9_]*/g) ?? [])
			if (known.has(word)) named[group].add(word);
	}
	return {
		first: keys.filter((key) => named.first.has(key)),
		app: keys.filter((key) => named.app.has(key) && !named.first.has(key)),
		link: keys.filter((key) => named.link.has(key)),
		admin: keys.filter(
			(key) => !named.first.has(key) && !named.app.has(key) && !named.link.has(key)
		)
	};
}

/**
 * Each message's code in a Paraglide locale module, by key: `export const key = (i) => {
 * return `…` };`, self-contained (the module imports nothing).
 */
function messageCode(/** @type {string} */ file) {
	const code = readFileSync(file, 'utf8');
	if (/^import /m.test(code)) throw new Error(`${file} imports code: messages cannot be split`);
	return new Map(
		[...code.matchAll(/^export const (\w+) = [\s\S]*?^\};$/gm)].map((m) => [m[1], m[0]])
	);
}

/** @returns {import('vite').Plugin} */
export function localeMessages({ project = './project.inlang', root = process.cwd() } = {}) {
	const outdir = resolve(root, '.svelte-kit/locale-messages');
	const messagesDir = resolve(root, 'src/lib/paraglide/messages');
	const tables = resolve(root, 'src/lib/link/message-tables.ts');
	/** @type {Promise<unknown> | null} */
	let compiled = null;
	/** @type {ReturnType<typeof groupKeys> | null} */
	let groups = null;
	/** @type {string[]} */
	let locales = [];
	const compileOnce = () =>
		(compiled ??= compile({
			project,
			outdir,
			strategy: ['baseLocale'],
			outputStructure: 'locale-modules',
			emitGitIgnore: false,
			emitPrettierIgnore: false,
			emitReadme: false,
			emitTsDeclarations: false
		}));
	return {
		name: 'beckon-locale-messages',
		enforce: 'pre',
		buildStart() {
			compiled = null;
			groups = groupKeys(root);
			locales = JSON.parse(readFileSync(resolve(root, project, 'settings.json'), 'utf8')).locales;
		},
		resolveId(id) {
			if (id === VIRTUAL || id.startsWith(`${VIRTUAL}/`))
				return `\0${id.replace(VIRTUAL, RESOLVED.slice(1))}`;
			return null;
		},
		async load(id) {
			if (id === RESOLVED) {
				groups ??= groupKeys(root);
				if (!locales.length)
					locales = JSON.parse(
						readFileSync(resolve(root, project, 'settings.json'), 'utf8')
					).locales;
				const entries = GROUPS.map(
					(group) =>
						`${group}: {${locales.map((l) => `${l}: () => import('${VIRTUAL}/${group}/${l}')`).join(', ')}}`
				);
				return `export const loaders = {${entries.join(',\n')}};`;
			}
			if (!id.startsWith(`${RESOLVED}/`)) return null;
			const [group, locale] = id.slice(RESOLVED.length + 1).split('/');
			await compileOnce();
			groups ??= groupKeys(root);
			const keys = groups[/** @type {'first' | 'app' | 'admin' | 'link'} */ (group)];
			// The messages' own code, not a re-export: the bundler places a module in one chunk,
			// so a re-export of the language's module would bring all of it with any group.
			const own = messageCode(join(outdir, 'messages', `${locale}.js`));
			const { baseLocale } = JSON.parse(
				readFileSync(resolve(root, project, 'settings.json'), 'utf8')
			);
			const base = messageCode(join(outdir, 'messages', `${baseLocale}.js`));
			return keys.map((key) => own.get(key) ?? base.get(key) ?? '').join('\n') || 'export {};';
		},
		transform(code, id, options) {
			// The browser's build only: the server, the service worker and vitest keep Paraglide's.
			if (options?.ssr || this.environment?.name !== 'client' || this.environment?.mode !== 'build')
				return null;
			const file = id.split('?')[0];
			if (!file.startsWith(messagesDir) || file.endsWith('_index.js')) return null;
			const key = /export const (\w+) =/.exec(code)?.[1];
			if (!key) return null;
			return {
				code: `import { message } from '${tables.split(sep).join('/')}';\nexport const ${key} = /* @__PURE__ */ message('${key}');\n`,
				map: null
			};
		}
	};
}
