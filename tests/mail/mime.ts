/**
 * Just enough MIME to read what nodemailer sends: headers (unfolded, encoded words decoded),
 * nested multiparts, quoted-printable and base64 bodies. Test support, not a general parser.
 */
export interface MimePart {
	headers: Map<string, string>;
	contentType: string;
	body: string;
}

export interface ParsedMail {
	/** Header lines as sent (folded lines joined), for checks on the raw header block. */
	rawHeaderLines: string[];
	headers: Map<string, string>;
	parts: MimePart[];
	text: string | undefined;
	html: string | undefined;
	/** The text/calendar alternative (nodemailer's `icalEvent`), with its method parameter. */
	calendar: { method: string | undefined; content: string } | undefined;
}

function qpBytes(text: string, underscoresAreSpaces = false): Buffer {
	const cleaned = text.replace(/=\r?\n/g, '');
	const bytes: number[] = [];
	for (let i = 0; i < cleaned.length; i++) {
		const c = cleaned[i];
		if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(cleaned.slice(i + 1, i + 3))) {
			bytes.push(parseInt(cleaned.slice(i + 1, i + 3), 16));
			i += 2;
		} else if (c === '_' && underscoresAreSpaces) bytes.push(0x20);
		else bytes.push(...Buffer.from(c, 'utf8'));
	}
	return Buffer.from(bytes);
}

export function decodeWords(value: string): string {
	return value.replace(
		/=\?([^?]+)\?([QqBb])\?([^?]*)\?=(\s+(?==\?))?/g,
		(_all, _charset, encoding: string, data: string) =>
			(encoding.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : qpBytes(data, true)).toString(
				'utf8'
			)
	);
}

function splitHeaders(block: string): { lines: string[]; headers: Map<string, string> } {
	const lines = block.split(/\r\n(?![ \t])/).map((line) => line.replace(/\r\n[ \t]/g, ' '));
	const headers = new Map<string, string>();
	for (const line of lines) {
		const colon = line.indexOf(':');
		if (colon < 0) continue;
		const name = line.slice(0, colon).trim().toLowerCase();
		if (!headers.has(name)) headers.set(name, decodeWords(line.slice(colon + 1).trim()));
	}
	return { lines, headers };
}

function param(value: string, name: string): string | undefined {
	return new RegExp(`;\\s*${name}="?([^";]+)"?`, 'i').exec(value)?.[1];
}

function decodeBody(body: string, encoding: string | undefined): string {
	switch (encoding?.toLowerCase()) {
		case 'base64':
			return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
		case 'quoted-printable':
			return qpBytes(body).toString('utf8');
		default:
			return body;
	}
}

function leaves(headers: Map<string, string>, body: string): MimePart[] {
	const type = headers.get('content-type') ?? 'text/plain';
	const boundary = param(type, 'boundary');
	if (type.toLowerCase().startsWith('multipart/') && boundary) {
		const sections = body.split(`--${boundary}`).slice(1, -1);
		return sections.flatMap((section) => {
			const content = section.replace(/^\r\n/, '');
			const end = content.indexOf('\r\n\r\n');
			const { headers: partHeaders } = splitHeaders(content.slice(0, end));
			return leaves(partHeaders, content.slice(end + 4).replace(/\r\n$/, ''));
		});
	}
	return [
		{
			headers,
			contentType: type.split(';')[0].trim().toLowerCase(),
			body: decodeBody(body, headers.get('content-transfer-encoding'))
		}
	];
}

export function parseMail(raw: string): ParsedMail {
	const end = raw.indexOf('\r\n\r\n');
	const { lines, headers } = splitHeaders(raw.slice(0, end));
	const parts = leaves(headers, raw.slice(end + 4));
	const calendarPart = parts.find((p) => p.contentType === 'text/calendar');
	return {
		rawHeaderLines: lines,
		headers,
		parts,
		text: parts.find((p) => p.contentType === 'text/plain')?.body,
		html: parts.find((p) => p.contentType === 'text/html')?.body,
		calendar: calendarPart && {
			method: param(calendarPart.headers.get('content-type') ?? '', 'method'),
			content: calendarPart.body
		}
	};
}

/** One property of an iCalendar text (unfolded), e.g. `icsValue(ics, 'SEQUENCE')`. */
export function icsValue(ics: string, name: string): string | undefined {
	const unfolded = ics.replace(/\r\n[ \t]/g, '');
	return new RegExp(`^${name}(?:;[^:\\r\\n]*)?:(.*)$`, 'm').exec(unfolded)?.[1]?.trim();
}
