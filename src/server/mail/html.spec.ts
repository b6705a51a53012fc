import { describe, expect, it } from 'vitest';
import { escapeHtml, markup, safeUrl } from './html';

describe('markup', () => {
	it('escapes every interpolated string', () => {
		const name = `<script>alert("x")</script> & 'quotes'`;
		expect(markup`<p title="${name}">${name}</p>`.value).toBe(
			'<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;</p>'
		);
	});

	it('keeps nested html, joins arrays and drops empty values', () => {
		const items = ['a<b', 'c'].map((item) => markup`<li>${item}</li>`);
		expect(markup`<ul>${items}${null}${undefined}${false}${0}</ul>`.value).toBe(
			'<ul><li>a&lt;b</li><li>c</li>0</ul>'
		);
	});

	it('escapeHtml leaves plain text alone', () => {
		expect(escapeHtml('Grüße, 10:00 UTC')).toBe('Grüße, 10:00 UTC');
	});

	it('links only to http(s)', () => {
		expect(safeUrl('https://support.example.com/s/abc')).toBe('https://support.example.com/s/abc');
		expect(() => safeUrl('javascript:alert(1)')).toThrow();
		expect(() => safeUrl('data:text/html,<b>x</b>')).toThrow();
	});
});
