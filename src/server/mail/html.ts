/**
 * HTML that is safe by construction: `markup` escapes every interpolated value unless it is
 * already `Html` (made by this module). Templates never concatenate strings into markup, so user
 * text (names, comments, organisation) can only ever appear as text. (The tag is not called
 * `html` so that Prettier leaves the markup, and its whitespace, as written.)
 */
export class Html {
	constructor(readonly value: string) {}
	toString() {
		return this.value;
	}
}

type Interpolation = Html | string | number | null | undefined | false | readonly Interpolation[];

const ENTITIES: Record<string, string> = {
	'&': '&amp;',
	'<': '&lt;',
	'>': '&gt;',
	'"': '&quot;',
	"'": '&#39;'
};

export function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

function render(value: Interpolation): string {
	if (value instanceof Html) return value.value;
	if (Array.isArray(value)) return value.map(render).join('');
	if (value === null || value === undefined || value === false) return '';
	return escapeHtml(String(value));
}

export function markup(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
	let out = strings[0];
	values.forEach((value, i) => {
		out += render(value) + strings[i + 1];
	});
	return new Html(out);
}

/** Only http(s) URLs become links; anything else (javascript:, data:) is refused. */
export function safeUrl(url: string): string {
	const parsed = new URL(url);
	if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
		throw new Error(`refusing to link to a ${parsed.protocol} URL`);
	}
	return parsed.href;
}
