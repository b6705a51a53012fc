/**
 * The reports page's pure parts: the period a preset or custom dates stand for (local days, the
 * end day included), the query strings of the CSV downloads, and how durations read.
 */
export type Preset = '7' | '30' | '90' | 'custom';
export const OUTCOMES = ['completed', 'closed_by_agent', 'declined', 'expired', 'open'] as const;
export type Outcome = (typeof OUTCOMES)[number];

const DAY = 86_400_000;

/** `YYYY-MM-DD` of a local day. */
export function localDate(at: Date): string {
	const pad = (n: number) => String(n).padStart(2, '0');
	return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
}

/** The start of a local day given as `YYYY-MM-DD`. */
function startOf(date: string): Date {
	const [y, m, d] = date.split('-').map(Number);
	return new Date(y, m - 1, d);
}

/** The dates a preset covers, ending today (local): the last `days` days, today included. */
export function presetDates(preset: Exclude<Preset, 'custom'>, now: Date) {
	const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
	const first = new Date(
		today.getFullYear(),
		today.getMonth(),
		today.getDate() - Number(preset) + 1
	);
	return { fromDate: localDate(first), toDate: localDate(today) };
}

/**
 * The instants `reports.summary` takes for local days `fromDate` to `toDate` (both included), and
 * the offset from UTC that names the report's days as this device does; null when the end is
 * before the start or a date is missing.
 */
export function rangeOf(fromDate: string, toDate: string) {
	if (!/^\d{4}-\d{2}-\d{2}$/.test(fromDate) || !/^\d{4}-\d{2}-\d{2}$/.test(toDate)) return null;
	const from = startOf(fromDate);
	const end = startOf(toDate);
	const to = new Date(end.getFullYear(), end.getMonth(), end.getDate() + 1);
	if (to.getTime() <= from.getTime()) return null;
	return {
		from: from.toISOString(),
		to: to.toISOString(),
		// getTimezoneOffset is west-positive; the API takes east-positive minutes.
		utcOffsetMinutes: -from.getTimezoneOffset(),
		days: Math.round((to.getTime() - from.getTime()) / DAY)
	};
}

/** Every day from `fromDate` to `toDate` (both included), so days without requests show as 0. */
export function daysBetween(fromDate: string, toDate: string): string[] {
	const days: string[] = [];
	const end = startOf(toDate);
	for (let at = startOf(fromDate); at <= end && days.length < 1000;) {
		days.push(localDate(at));
		at = new Date(at.getFullYear(), at.getMonth(), at.getDate() + 1);
	}
	return days;
}

/** A duration as people read it: seconds, minutes, or hours and minutes, in `locale`. */
export function formatDuration(ms: number | null, locale: string): string {
	if (ms === null) return '—';
	const unit = (value: number, u: 'second' | 'minute' | 'hour' | 'day') =>
		new Intl.NumberFormat(locale, {
			style: 'unit',
			unit: u,
			unitDisplay: 'short',
			maximumFractionDigits: 0
		}).format(value);
	if (ms < 60_000) return unit(Math.round(ms / 1000), 'second');
	if (ms < 3_600_000) return unit(Math.round(ms / 60_000), 'minute');
	if (ms < 2 * DAY) {
		const minutes = Math.round(ms / 60_000);
		const h = Math.floor(minutes / 60);
		const m = minutes % 60;
		return m === 0 ? unit(h, 'hour') : `${unit(h, 'hour')} ${unit(m, 'minute')}`;
	}
	return unit(Math.round(ms / DAY), 'day');
}

/** The query string of a report table's CSV download: the summary's own input. */
export function csvQuery(input: Record<string, string | number | undefined>): string {
	const params = new URLSearchParams();
	for (const [key, value] of Object.entries(input)) {
		if (value !== undefined && value !== '') params.set(key, String(value));
	}
	return params.toString();
}
