/**
 * Every user-facing string of the agent and admin app goes through a Paraglide message: this
 * parses each component (svelte/compiler) and fails on template text, or on a user-facing
 * attribute (aria-label, title, placeholder, alt, label), that holds letters outside a `{...}`
 * expression. A new bare English word in any component fails it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'svelte/compiler';
import { describe, expect, it } from 'vitest';

const ROOTS = ['src/lib/components', 'src/routes'];
/** Attributes a person reads or hears (on elements, and the app's components' text props). */
const USER_FACING = new Set([
	'aria-label',
	'aria-description',
	'aria-valuetext',
	'title',
	'placeholder',
	'alt',
	'label',
	'description',
	'empty',
	'caption',
	'videoLabel'
]);
/**
 * Text that is the same in every language: the product's name, and what is not a word (symbols,
 * separators) and a format name (HTML) that every language writes so.
 */
const ALLOWED = new Set(['Beckon', 'HTML']);

function svelteFiles(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) return svelteFiles(path);
		return entry.name.endsWith('.svelte') ? [path] : [];
	});
}

interface Found {
	where: string;
	text: string;
}

/**
 * An example address, domain or path (`https://helpdesk.example.com/x`, `example.com`, `/help/`)
 * is not wording.
 */
const ADDRESS = /^(https?:\/\/\S+|\/[\w/-]*|[a-z0-9-]+(\.[a-z0-9-]+)*\.(com|org|net|test))$/;
const hasLetters = (text: string) =>
	/\p{L}/u.test(text) && !ALLOWED.has(text.trim()) && !ADDRESS.test(text.trim());
/**
 * A string in a template expression that reads as wording: a capital then a small letter
 * (`'Admin'`, `'Never'`, `` `Revoked ${when}` ``). Code values (`'page'`, `'primary'`,
 * `'agent:'`) are lower case.
 */
const looksLikeWording = (text: string) => /^\s*\p{Lu}\p{Ll}/u.test(text) && hasLetters(text);

/** Template text and static attribute text with letters, outside <script> and <style>. */
export function bareText(source: string, file: string): Found[] {
	const ast = parse(source, { modern: true, filename: file });
	const found: Found[] = [];
	const line = (start: number) => source.slice(0, start).split('\n').length;
	const visit = (node: unknown, parent?: string): void => {
		if (!node || typeof node !== 'object') return;
		if (Array.isArray(node)) {
			for (const child of node) visit(child, parent);
			return;
		}
		const n = node as Record<string, unknown> & { type?: string; start?: number; name?: string };
		if (
			(n.type === 'Literal' && typeof n.value === 'string' && looksLikeWording(n.value)) ||
			(n.type === 'TemplateElement' && looksLikeWording(String((n.value as { raw: string }).raw)))
		) {
			const text = n.type === 'Literal' ? String(n.value) : (n.value as { raw: string }).raw;
			found.push({ where: `${file}:${line(n.start ?? 0)}`, text: `{'${text.trim()}'}` });
			return;
		}
		if (n.type === 'Text' && parent !== 'attribute' && hasLetters(String(n.data))) {
			found.push({ where: `${file}:${line(n.start ?? 0)}`, text: String(n.data).trim() });
			return;
		}
		if (n.type === 'Attribute') {
			if (USER_FACING.has(String(n.name)) && Array.isArray(n.value)) {
				for (const part of n.value as Array<{ type: string; data?: string; start: number }>) {
					if (part.type === 'Text' && hasLetters(String(part.data))) {
						found.push({
							where: `${file}:${line(part.start)}`,
							text: `${n.name}="${String(part.data).trim()}"`
						});
					}
				}
			}
			return;
		}
		// Scripts and styles are code; template expressions are searched for wording literals.
		if (n.type === 'Script' || n.type === 'StyleSheet') return;
		for (const [key, value] of Object.entries(n)) {
			if (key === 'metadata' || key === 'loc') continue;
			if (value && typeof value === 'object') visit(value, n.type);
		}
	};
	visit(ast.fragment);
	return found;
}

describe('the agent and admin app has no untranslated text', () => {
	it('finds bare text, so the check itself works', () => {
		const found = bareText(
			'<p>Sign in</p><button aria-label="Close">{m()}</button><b title={t.x()}>Beckon</b><i>→ </i>' +
				"<a aria-current={x ? 'page' : undefined}>{ok ? 'Never' : m()}</a><i>{`Revoked ${w}`}</i>",
			'x.svelte'
		);
		expect(found.map((f) => f.text)).toEqual([
			'Sign in',
			'aria-label="Close"',
			"{'Never'}",
			"{'Revoked'}"
		]);
	});

	it('has every template text and user-facing attribute as a message', () => {
		const found = ROOTS.flatMap((root) =>
			svelteFiles(root).flatMap((file) => bareText(readFileSync(file, 'utf8'), file))
		);
		expect(found.map((f) => `${f.where}  ${f.text}`)).toEqual([]);
	});
});
