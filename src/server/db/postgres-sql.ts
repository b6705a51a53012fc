/**
 * The services' SQL, written for SQLite (by drizzle's SQLite dialect and by hand), as PostgreSQL
 * runs it. The services keep one SQL text for both databases; the differences they use are few
 * and mechanical, and this is the one place that knows them:
 *
 * - `?` placeholders become `$1 … $n`; better-sqlite3's named parameters (`@name`, `:name`,
 *   `$name`) become numbered ones bound from the object passed.
 * - `INSERT OR IGNORE INTO …` becomes `INSERT INTO … ON CONFLICT DO NOTHING`.
 * - `LIKE` becomes `ILIKE`: SQLite's LIKE ignores the case of ASCII letters, PostgreSQL's does not.
 * - An `ON CONFLICT ("table"."column")` target loses the table name, which PostgreSQL refuses
 *   there (drizzle's SQLite dialect writes it).
 *
 * Anything else SQLite-only (`INSERT OR REPLACE`, `PRAGMA`, `VACUUM INTO`) is refused with an
 * error naming the statement, never sent on to fail in a confusing way.
 */

export interface PostgresStatement {
	text: string;
	/** For named parameters: the name bound to each `$n`, in order. */
	names: string[] | null;
}

const REFUSED = [
	/^\s*pragma\b/i,
	/^\s*vacuum\b/i,
	/\binsert\s+or\s+(replace|abort|fail|rollback)\b/i
];

/** Translates one statement; throws on SQL that has no PostgreSQL meaning here. */
export function toPostgres(sql: string): PostgresStatement {
	for (const pattern of REFUSED) {
		if (pattern.test(sql)) throw new Error(`SQLite-only statement on PostgreSQL: ${sql.trim()}`);
	}
	let text = '';
	let positional = 0;
	const names: string[] = [];
	let orIgnore = false;
	for (let i = 0; i < sql.length;) {
		const c = sql[i];
		if (c === "'" || c === '"' || c === '`') {
			// A quoted string or identifier, copied as is ('' and "" escape the quote inside);
			// SQLite's backquoted identifiers are PostgreSQL's double-quoted ones.
			let end = i + 1;
			for (;;) {
				end = sql.indexOf(c, end);
				if (end === -1) throw new Error(`Unterminated ${c} in SQL: ${sql}`);
				if (sql[end + 1] === c) end += 2;
				else break;
			}
			const body = sql.slice(i + 1, end);
			text += c === '`' ? `"${body.replaceAll('"', '""')}"` : sql.slice(i, end + 1);
			i = end + 1;
			continue;
		}
		if (c === '?') {
			if (names.length > 0) throw new Error(`SQL mixes ? and named parameters: ${sql}`);
			positional += 1;
			text += `$${positional}`;
			i += 1;
			continue;
		}
		if ((c === '@' || c === ':' || c === '$') && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
			// `::type` casts are PostgreSQL's own: not a parameter.
			if (c === ':' && (sql[i - 1] === ':' || sql[i + 1] === ':')) {
				text += c;
				i += 1;
				continue;
			}
			const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1)) as RegExpExecArray;
			if (positional > 0) throw new Error(`SQL mixes ? and named parameters: ${sql}`);
			let index = names.indexOf(match[0]);
			if (index === -1) index = names.push(match[0]) - 1;
			text += `$${index + 1}`;
			i += 1 + match[0].length;
			continue;
		}
		// A word: keywords that differ are rewritten, the rest copied.
		const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i));
		if (word) {
			const lower = word[0].toLowerCase();
			if (lower === 'like') text += 'ILIKE';
			else if (
				lower === 'or' &&
				/^\s+ignore\b/i.test(sql.slice(i + 2)) &&
				/insert\s*$/i.test(text)
			) {
				const ignore = /^\s+ignore/i.exec(sql.slice(i + 2)) as RegExpExecArray;
				orIgnore = true;
				text = text.replace(/\s*$/, '');
				i += 2 + ignore[0].length;
				continue;
			} else text += word[0];
			i += word[0].length;
			continue;
		}
		text += c;
		i += 1;
	}
	if (orIgnore) text = withOnConflictDoNothing(text);
	text = text.replace(/\bon conflict \(([^)]*)\)/i, (target: string, columns: string) =>
		target.replace(columns, columns.replace(/"(?:[^"]|"")*"\.(?=")/g, ''))
	);
	return { text, names: names.length > 0 ? names : null };
}

/** Puts `ON CONFLICT DO NOTHING` where PostgreSQL wants it: before RETURNING, else at the end. */
function withOnConflictDoNothing(text: string): string {
	const returning = /\sreturning\s/i.exec(text);
	const trimmed = text.replace(/[\s;]*$/, '');
	if (!returning) return `${trimmed} ON CONFLICT DO NOTHING`;
	return `${text.slice(0, returning.index)} ON CONFLICT DO NOTHING${text.slice(returning.index)}`;
}
