/**
 * reports.summary's figures of whole days, kept in `report_days` (db/schema.ts) so that a report
 * over a million requests reads some ninety day summaries instead of the million rows.
 *
 * A summary holds one day's requests (created in [startMs, startMs + 24 h) in one offset from
 * UTC) grouped by assignment kind, owner and outcome, as the report's SQL groups them
 * (services/reports.ts): per group its counts, its time-to-connect buckets and every value of
 * the three durations, so percentiles over any choice of groups stay exact (nearest rank over
 * the values themselves). The groups' counts are JSON text; the values, group after group and
 * duration after duration, one blob of Float64s in the machine's byte order (little-endian).
 *
 * It stays true while none of the day's requests changes and the clock has not reached
 * `validUntil` (a live request past its expiry reports as expired with no write):
 * - every write of a request row that can change a report (request-records.ts, `insertRows` and
 *   `writeRows`) deletes, in its own transaction, the summaries of the days its rows were created
 *   in, whatever their offset (`forgetReportDays`);
 * - a summary is read only while the clock is before its `validUntil`.
 * Agents' and queues' names are not in it: the report names them when it is read.
 */
import type { Beckon } from '../app';
import { prepareSql, valueRows, type Param } from '../db/plain-sql';
import { prepared } from '../db/prepared';

const DAY_MS = 86_400_000;

/** The requests of one assignment kind, owner, day and outcome, as the report sums them. */
export interface Group {
	kind: string;
	owner: string | null;
	/** Days since 1970-01-01 in the report's offset. */
	day: number;
	outcome: string;
	n: number;
	opened: number;
	connected: number;
	/** The time-to-connect histogram's counts (CONNECT_BUCKETS' order). */
	buckets: number[];
	/** Each duration's values (the report's DURATIONS' order), in no particular order. */
	durations: Float64Array[];
}

/** A day's groups as stored: [kind, owner, outcome, n, opened, connected, buckets, value counts]. */
type StoredGroup = [string, string | null, string, number, number, number, number[], number[]];

const upsertDay = prepared((db) =>
	prepareSql(
		db,
		(param) => `INSERT INTO report_days (offset_minutes, day, start_ms, valid_until, groups,
		durations) VALUES ${valueRows(param, 1, 6)} ON CONFLICT (offset_minutes, day) DO UPDATE SET
		start_ms = excluded.start_ms, valid_until = excluded.valid_until, groups = excluded.groups,
		durations = excluded.durations`
	)
);

/** The days [first, end) of an offset whose summary is still valid at a time: four parameters. */
const validDaysSql = (param: Param) => `FROM report_days WHERE offset_minutes = ${param()}
		AND day >= ${param()} AND day < ${param()} AND (valid_until IS NULL OR valid_until > ${param()})`;

const validDays = prepared((db) =>
	prepareSql(db, (param) => `SELECT day ${validDaysSql(param)}`).pluck()
);

const readDays = prepared((db) =>
	prepareSql(db, (param) => `SELECT day, groups, durations ${validDaysSql(param)}`).raw()
);

/** The summaries of the days (any offset) that start in (from, to]. */
const forgetDays = prepared((db) =>
	prepareSql(
		db,
		(param) => `DELETE FROM report_days WHERE start_ms > ${param()} AND start_ms <= ${param()}`
	)
);

/** The days [first, end) of `offsetMinutes` whose summary is there and valid at `now`. */
export function storedDays(
	app: Beckon,
	offsetMinutes: number,
	first: number,
	end: number,
	now: number
): Set<number> {
	return new Set(
		(validDays(app.db).all(offsetMinutes, first, end, now) as (number | string)[]).map(Number)
	);
}

/** Keeps a day's summary (inside the caller's write transaction, which read the groups). */
export function storeDay(
	app: Beckon,
	offsetMinutes: number,
	day: number,
	validUntil: number | null,
	groups: readonly Group[]
) {
	let total = 0;
	for (const g of groups) for (const values of g.durations) total += values.length;
	const all = new Float64Array(total);
	let at = 0;
	const stored = groups.map((g): StoredGroup => {
		for (const values of g.durations) {
			all.set(values, at);
			at += values.length;
		}
		const counts = g.durations.map((values) => values.length);
		return [g.kind, g.owner, g.outcome, g.n, g.opened, g.connected, g.buckets, counts];
	});
	const startMs = day * DAY_MS - offsetMinutes * 60_000;
	upsertDay(app.db).run(
		offsetMinutes,
		day,
		startMs,
		validUntil,
		JSON.stringify(stored),
		Buffer.from(all.buffer, all.byteOffset, all.byteLength)
	);
}

/** The groups of the days [first, end) of `offsetMinutes` whose summary is valid at `now`. */
export function readStoredDays(
	app: Beckon,
	offsetMinutes: number,
	first: number,
	end: number,
	now: number
): { days: Set<number>; groups: Group[] } {
	const days = new Set<number>();
	const groups: Group[] = [];
	const rows = readDays(app.db).all(offsetMinutes, first, end, now) as [
		number | string,
		string,
		Uint8Array | null
	][];
	for (const [dayValue, text, bytes] of rows) {
		const day = Number(dayValue);
		days.add(day);
		// A Float64Array's view must start on a multiple of 8: copied when it does not.
		const stored = bytes ?? new Uint8Array(0);
		const aligned = stored.byteOffset % 8 === 0 ? stored : new Uint8Array(stored);
		const all = new Float64Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 8);
		let at = 0;
		for (const stored of JSON.parse(text) as StoredGroup[]) {
			const [kind, owner, outcome, n, opened, connected, buckets, counts] = stored;
			const durations = counts.map((count) => all.subarray(at, (at += count)));
			groups.push({ kind, owner, day, outcome, n, opened, connected, buckets, durations });
		}
	}
	return { days, groups };
}

/**
 * Deletes the summaries that count requests created at `createdAts` (inside the caller's write
 * transaction): those of every offset whose day holds one of them. One statement per UTC day
 * among them, over the span from its earliest to its latest: a day of 24 hours that starts in
 * (earliest − 24 h, latest] holds the earliest or the latest, since both fall within 24 hours.
 */
export function forgetReportDays(app: Beckon, createdAts: readonly number[]) {
	if (createdAts.length === 0) return;
	const statement = forgetDays(app.db);
	if (createdAts.length === 1) {
		statement.run(createdAts[0] - DAY_MS, createdAts[0]);
		return;
	}
	const spans = new Map<number, [number, number]>();
	for (const at of createdAts) {
		const utcDay = Math.floor(at / DAY_MS);
		const span = spans.get(utcDay);
		if (!span) spans.set(utcDay, [at, at]);
		else if (at < span[0]) span[0] = at;
		else if (at > span[1]) span[1] = at;
	}
	for (const [earliest, latest] of spans.values()) statement.run(earliest - DAY_MS, latest);
}
