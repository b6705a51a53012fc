/**
 * A migrated database's schema, as the parity tests compare it (src/server/db/schema-parity.spec.ts,
 * postgres-adoption.spec.ts): per table, its columns with their kind of type, default and
 * nullability, its primary key, its unique and plain indexes (by their keys) and its foreign keys
 * (with their delete rule).
 */
import type { SqlConnection } from '../../src/server/db/connection';

interface Column {
	/** The kind of type; with `exact`, PostgreSQL's own name (integer and bigint differ). */
	type: 'integer' | 'text' | 'bytes' | 'real' | string;
	notNull: boolean;
	default: string | null;
}

interface TableShape {
	columns: Record<string, Column>;
	primaryKey: string[];
	/** Each index as `unique(a,b)` or `index(a,b)`, sorted. */
	indexes: string[];
	/** Each foreign key as `a,b -> table(c,d) on delete rule`, sorted. */
	foreignKeys: string[];
}

export type Shape = Record<string, TableShape>;

const IGNORED = new Set(['__drizzle_migrations', 'sqlite_sequence']);

function sqliteType(declared: string): Column['type'] {
	const type = declared.toLowerCase();
	if (type.includes('int')) return 'integer';
	if (type.includes('blob')) return 'bytes';
	if (type.includes('real') || type.includes('floa') || type.includes('doub')) return 'real';
	return 'text';
}

function postgresType(declared: string): Column['type'] {
	if (['integer', 'bigint', 'smallint'].includes(declared)) return 'integer';
	if (declared === 'bytea') return 'bytes';
	if (['real', 'double precision', 'numeric'].includes(declared)) return 'real';
	return 'text';
}

/** A default as a value: quotes, casts and parentheses dropped; generated keys as `identity`. */
function normalDefault(text: string | null): string | null {
	if (text === null) return null;
	let value = text.trim();
	if (/^nextval\(/i.test(value)) return 'identity';
	value = value.replace(/::[a-z ]+$/i, '');
	while (value.startsWith('(') && value.endsWith(')')) value = value.slice(1, -1).trim();
	if (value.startsWith("'") && value.endsWith("'")) value = value.slice(1, -1);
	return value;
}

/** An index's keys as text: quotes and spaces dropped, lower case (`lower(recipient)`). */
function normalKeys(text: string): string {
	return text.replace(/[`"\s]/g, '').toLowerCase();
}

export function sqliteShape(db: SqlConnection): Shape {
	const tables = (
		db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]
	)
		.map((t) => t.name)
		.filter((name) => !IGNORED.has(name));
	const shape: Shape = {};
	for (const table of tables) {
		const info = db.prepare(`PRAGMA table_info("${table}")`).all() as {
			name: string;
			type: string;
			notnull: number;
			dflt_value: string | null;
			pk: number;
		}[];
		const primaryKey = info
			.filter((c) => c.pk > 0)
			.sort((a, b) => a.pk - b.pk)
			.map((c) => c.name);
		const sql = (
			db.prepare(`SELECT sql FROM sqlite_master WHERE name = ?`).get(table) as { sql: string }
		).sql;
		const columns: Record<string, Column> = {};
		for (const c of info) {
			// An INTEGER PRIMARY KEY AUTOINCREMENT is SQLite's generated key.
			const generated =
				primaryKey.length === 1 && primaryKey[0] === c.name && /autoincrement/i.test(sql);
			columns[c.name] = {
				type: sqliteType(c.type),
				// A primary key column is never null in PostgreSQL; SQLite says so of rowid keys only.
				notNull: c.notnull === 1 || c.pk > 0,
				// SQLite reads TRUE and FALSE as the integers 1 and 0.
				default: generated
					? 'identity'
					: (normalDefault(c.dflt_value)
							?.replace(/^false$/i, '0')
							.replace(/^true$/i, '1') ?? null)
			};
		}
		const indexes = (
			db.prepare(`PRAGMA index_list("${table}")`).all() as {
				name: string;
				unique: number;
				origin: string;
			}[]
		)
			.filter((index) => index.origin !== 'pk')
			.map((index) => {
				const columnsOf = (
					db.prepare(`PRAGMA index_info("${index.name}")`).all() as { name: string | null }[]
				).map((c) => c.name);
				// An index on an expression (lower(email)) names no column: its definition does.
				const keysOf = columnsOf.includes(null)
					? (
							db.prepare(`SELECT sql FROM sqlite_master WHERE name = ?`).get(index.name) as {
								sql: string;
							}
						).sql
							.replace(/^[^(]*\(/, '')
							.replace(/\)\s*$/, '')
					: columnsOf.join(',');
				return `${index.unique ? 'unique' : 'index'}(${normalKeys(keysOf)})`;
			})
			.sort();
		const keys = db.prepare(`PRAGMA foreign_key_list("${table}")`).all() as {
			id: number;
			table: string;
			from: string;
			to: string;
			on_delete: string;
		}[];
		const byId = new Map<number, typeof keys>();
		for (const key of keys) byId.set(key.id, [...(byId.get(key.id) ?? []), key]);
		const foreignKeys = [...byId.values()]
			.map(
				(parts) =>
					`${parts.map((p) => p.from).join(',')} -> ${parts[0].table}(${parts.map((p) => p.to).join(',')}) on delete ${parts[0].on_delete.toLowerCase()}`
			)
			.sort();
		shape[table] = { columns, primaryKey, indexes, foreignKeys };
	}
	return shape;
}

export function postgresShape(db: SqlConnection, { exact = false } = {}): Shape {
	const all = <T>(sql: string) => db.prepare(sql).all() as T[];
	const shape: Shape = {};
	const columns = all<{
		table_name: string;
		column_name: string;
		data_type: string;
		is_nullable: string;
		column_default: string | null;
		is_identity: string;
	}>(
		`SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity
		 FROM information_schema.columns WHERE table_schema = current_schema()
		 ORDER BY table_name, ordinal_position`
	);
	for (const c of columns) {
		if (IGNORED.has(c.table_name)) continue;
		shape[c.table_name] ??= { columns: {}, primaryKey: [], indexes: [], foreignKeys: [] };
		shape[c.table_name].columns[c.column_name] = {
			type: exact ? c.data_type : postgresType(c.data_type),
			notNull: c.is_nullable === 'NO',
			default: c.is_identity === 'YES' ? 'identity' : normalDefault(c.column_default)
		};
	}
	const indexes = all<{ table: string; unique: boolean; primary: boolean; columns: string }>(
		`SELECT t.relname AS "table", i.indisunique AS "unique", i.indisprimary AS "primary",
		        (SELECT string_agg(pg_get_indexdef(i.indexrelid, k, true), ',' ORDER BY k)
		           FROM generate_series(1, i.indnkeyatts) AS k) AS columns
		 FROM pg_index i
		 JOIN pg_class t ON t.oid = i.indrelid
		 JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()`
	);
	for (const index of indexes) {
		const table = shape[index.table];
		if (!table) continue;
		if (index.primary) table.primaryKey = index.columns.split(',');
		else table.indexes.push(`${index.unique ? 'unique' : 'index'}(${normalKeys(index.columns)})`);
	}
	const keys = all<{ table: string; from: string; target: string; to: string; rule: string }>(
		`SELECT t.relname AS "table",
		        (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY k(n, ord)
		           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) AS "from",
		        r.relname AS target,
		        (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY k(n, ord)
		           JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n) AS "to",
		        CASE c.confdeltype WHEN 'a' THEN 'no action' WHEN 'r' THEN 'restrict'
		          WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set null' ELSE 'set default' END AS rule
		 FROM pg_constraint c
		 JOIN pg_class t ON t.oid = c.conrelid
		 JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
		 JOIN pg_class r ON r.oid = c.confrelid
		 WHERE c.contype = 'f'`
	);
	for (const key of keys) {
		shape[key.table]?.foreignKeys.push(
			`${key.from} -> ${key.target}(${key.to}) on delete ${key.rule}`
		);
	}
	for (const table of Object.values(shape)) {
		table.indexes.sort();
		table.foreignKeys.sort();
	}
	return shape;
}
