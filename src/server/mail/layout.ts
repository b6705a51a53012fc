/**
 * One email layout, rendered twice from the same blocks: as HTML (tables and inline styles,
 * which every common client renders) and as plain text. Templates hand over plain strings only;
 * this is the one place that makes markup, through `markup`, which escapes them.
 */
import type { Language } from '../../lib/domain/types';
import { markup, safeUrl, type Html } from './html';

export type Block =
	| { kind: 'paragraph'; text: string }
	/** A call to action, with the bare URL underneath for clients that hide buttons. */
	| { kind: 'button'; label: string; url: string; fallback: string }
	| { kind: 'facts'; rows: Array<[label: string, value: string]> }
	/** Multi-line user text (comments), kept as written. */
	| { kind: 'quote'; label: string; text: string }
	| { kind: 'note'; text: string };

export interface MailContent {
	language: Language;
	subject: string;
	greeting: string;
	blocks: Block[];
	footer: string;
}

export interface RenderedMail {
	subject: string;
	text: string;
	html: string;
}

const FONT = 'font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif';
const TEXT = `margin:0 0 16px;${FONT};font-size:16px;line-height:1.5;color:#1f2430`;
const NOTE = `margin:0 0 12px;${FONT};font-size:13px;line-height:1.5;color:#5b6170`;
const TABLE = markup`role="presentation" cellpadding="0" cellspacing="0" border="0"`;

const splitLines = (text: string) => text.split(/\r\n|\r|\n/);

function blockHtml(block: Block): Html {
	switch (block.kind) {
		case 'paragraph':
			return markup`<p style="${TEXT}">${block.text}</p>`;
		case 'note':
			return markup`<p style="${NOTE}">${block.text}</p>`;
		case 'button': {
			const url = safeUrl(block.url);
			const button = `display:inline-block;padding:12px 24px;${FONT};font-size:16px;font-weight:600;color:#ffffff;text-decoration:none;border-radius:6px`;
			return markup`<table ${TABLE} style="margin:8px 0 16px"><tr><td style="border-radius:6px;background:#3246d3"><a href="${url}" style="${button}">${block.label}</a></td></tr></table>
<p style="${NOTE}">${block.fallback}<br><a href="${url}" style="color:#3246d3;word-break:break-all">${url}</a></p>`;
		}
		case 'facts': {
			const rows = block.rows.map(
				([label, value]) =>
					markup`<tr><td style="padding:2px 16px 2px 0;color:#5b6170;vertical-align:top">${label}</td><td style="padding:2px 0">${value}</td></tr>`
			);
			return markup`<table ${TABLE} style="margin:0 0 16px;${FONT};font-size:15px;line-height:1.5;color:#1f2430">${rows}</table>`;
		}
		case 'quote': {
			const lines = splitLines(block.text).map((line, i) =>
				i === 0 ? markup`${line}` : markup`<br>${line}`
			);
			return markup`<p style="${NOTE}">${block.label}</p>
<blockquote style="margin:0 0 16px;padding:8px 12px;border-left:3px solid #c9cdd6;${FONT};font-size:15px;line-height:1.5;color:#1f2430">${lines}</blockquote>`;
		}
	}
}

function blockText(block: Block): string {
	switch (block.kind) {
		case 'paragraph':
		case 'note':
			return block.text;
		case 'button':
			return `${block.label}:\n${block.url}`;
		case 'facts':
			return block.rows.map(([label, value]) => `${label}: ${value}`).join('\n');
		case 'quote':
			return [block.label, ...splitLines(block.text).map((line) => `> ${line}`)].join('\n');
	}
}

export function renderMail(content: MailContent): RenderedMail {
	const blocks = content.blocks.map((block) => markup`${blockHtml(block)}\n`);
	const html = markup`<!doctype html>
<html lang="${content.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light only">
<title>${content.subject}</title>
</head>
<body style="margin:0;padding:0;background:#f4f5f7">
<table ${TABLE} width="100%" style="background:#f4f5f7"><tr><td align="center" style="padding:24px 12px">
<table ${TABLE} width="100%" style="max-width:560px;background:#ffffff;border-radius:8px"><tr><td style="padding:28px 32px">
<p style="${TEXT}">${content.greeting}</p>
${blocks}</td></tr></table>
<p style="${NOTE};margin-top:16px">${content.footer}</p>
</td></tr></table>
</body>
</html>
`;
	const text = [content.greeting, ...content.blocks.map(blockText), `-- \n${content.footer}`];
	return { subject: content.subject, html: html.value, text: `${text.join('\n\n')}\n` };
}
