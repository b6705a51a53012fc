/** What a CSV download holds, read as a spreadsheet would, for the export specs. */
import { parse } from 'csv-parse/sync';
import { expect } from 'vitest';

/** The rows of a 200 CSV answer, by header; it must start with UTF-8's byte order mark. */
export async function csvRowsOf(response: Response): Promise<Record<string, any>[]> {
	expect(response.status).toBe(200);
	const bytes = new Uint8Array(await response.arrayBuffer());
	// UTF-8 with a byte order mark, so spreadsheets read accents right.
	expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
	return parse(new TextDecoder().decode(bytes), { bom: true, columns: true });
}
