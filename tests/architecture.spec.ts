/**
 * docs/architecture.md lists which layer imports which; this reads every import of src/ and
 * holds the list to them, both ways: an import between layers the list does not name fails, and
 * so does a listed dependency no code has.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The layer of a path under src/: lib/<name>, server, or routes (pages and hooks). */
function layerOf(path: string): string {
	const parts = relative('src', path).split('/');
	if (parts[0] === 'lib') return `lib/${parts[1]}`;
	if (parts[0] === 'server') return 'server';
	return 'routes';
}

function sourceFiles(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) return entry.name === 'paraglide' ? [] : sourceFiles(path);
		return /\.(ts|svelte)$/.test(entry.name) && !entry.name.endsWith('.spec.ts') ? [path] : [];
	});
}

interface Edge {
	from: string;
	to: string;
	typesOnly: boolean;
	where: string;
}

/** Every import from one layer into another, resolving relative paths and $lib / $server. */
function importsBetweenLayers(): Edge[] {
	const edges: Edge[] = [];
	const pattern = /import\s+(type\s+)?[^'";]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g;
	for (const file of sourceFiles('src')) {
		for (const match of readFileSync(file, 'utf8').matchAll(pattern)) {
			const spec = match[2] ?? match[3];
			let target: string;
			if (spec.startsWith('.')) target = resolve(dirname(file), spec);
			else if (spec.startsWith('$server')) target = resolve('src/server', `.${spec.slice(7)}`);
			else if (spec.startsWith('$lib')) target = resolve('src/lib', `.${spec.slice(4)}`);
			else continue;
			const from = layerOf(file);
			const to = layerOf(relative('.', target));
			if (from !== to) edges.push({ from, to, typesOnly: !!match[1], where: `${file}: ${spec}` });
		}
	}
	return edges;
}

/** The documented list: `layer → a, b, c (types)`. */
function documentedLayers(): Map<string, Map<string, 'all' | 'types'>> {
	const doc = readFileSync('docs/architecture.md', 'utf8');
	const block = /<!-- layers -->\s*```\n([\s\S]*?)```\s*<!-- \/layers -->/.exec(doc)?.[1];
	if (!block) throw new Error('docs/architecture.md has no <!-- layers --> block');
	const layers = new Map<string, Map<string, 'all' | 'types'>>();
	for (const line of block.trim().split('\n')) {
		const [from, deps] = line.split('→').map((part) => part.trim());
		const allowed = new Map<string, 'all' | 'types'>();
		for (const dep of deps ? deps.split(',') : []) {
			const [, name, types] = /^\s*(\S+)( \(types\))?\s*$/.exec(dep) ?? [];
			allowed.set(name, types ? 'types' : 'all');
		}
		layers.set(from, allowed);
	}
	return layers;
}

describe('docs/architecture.md: layers and dependencies', () => {
	const edges = importsBetweenLayers();
	const documented = documentedLayers();

	it('reads a real list and real imports', () => {
		expect([...documented.keys()].sort()).toEqual(
			[
				'lib/client',
				'lib/components',
				'lib/domain',
				'lib/link',
				'lib/sync',
				'routes',
				'server'
			].sort()
		);
		expect(edges.length).toBeGreaterThan(100);
	});

	it('names every import between layers, type-only ones as such', () => {
		const undocumented = edges
			.filter((edge) => {
				const allowed = documented.get(edge.from)?.get(edge.to);
				return !allowed || (allowed === 'types' && !edge.typesOnly);
			})
			.map(
				(edge) => `${edge.from} → ${edge.to}${edge.typesOnly ? ' (types)' : ''} at ${edge.where}`
			);
		expect(undocumented).toEqual([]);
	});

	it('lists no dependency the code does not have', () => {
		const unused: string[] = [];
		for (const [from, allowed] of documented) {
			for (const [to, kind] of allowed) {
				const used = edges.some(
					(e) => e.from === from && e.to === to && (kind === 'types' ? e.typesOnly : !e.typesOnly)
				);
				if (!used) unused.push(`${from} → ${to}${kind === 'types' ? ' (types)' : ''}`);
			}
		}
		expect(unused).toEqual([]);
	});

	it('the server takes only the signalling wire contract from lib/link', () => {
		const fromLink = edges.filter((e) => e.from === 'server' && e.to === 'lib/link');
		expect(fromLink.length).toBeGreaterThan(0);
		for (const edge of fromLink) expect(edge.where).toMatch(/session\/signal-protocol'?$/);
	});
});
