/**
 * CSV as spreadsheets read it (RFC 4180: comma-separated, CRLF line ends, quotes doubled), made
 * safe to open: a cell a spreadsheet would take for a formula (starting with `=`, `+`, `-`, `@`,
 * a tab or a carriage return) is neutralised with a leading apostrophe, as OWASP advises, so
 * text an end user typed can never run as a formula on an agent's computer.
 */

/** Written first: tells spreadsheet programs the file is UTF-8. */
export const UTF8_BOM = '\uFEFF';

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

export function csvCell(value: string | number | boolean | null | undefined): string {
	if (value === null || value === undefined) return '';
	let text = String(value);
	if (FORMULA_START.test(text)) text = `'${text}`;
	return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(values: readonly (string | number | boolean | null | undefined)[]): string {
	return `${values.map(csvCell).join(',')}\r\n`;
}
