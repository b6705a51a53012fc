/**
 * The recipient's time zone: an IANA name (`Europe/Madrid`), or null for a request that has none
 * (made before zones were asked, or by an API caller that gave none), whose times are then written
 * in UTC, as they always were.
 */

/** IANA names are letters, digits and `_ + - /`; this keeps out offsets (`+05:00`) and junk. */
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;
export const TIME_ZONE_MAX = 64;

/** The zone times are written in when a request has none. */
export const UTC = 'UTC';

let listed: Map<string, string> | undefined;

/** The zones this runtime lists, by their lower-case names. */
function listedZones(): Map<string, string> {
	listed ??= new Map(Intl.supportedValuesOf('timeZone').map((zone) => [zone.toLowerCase(), zone]));
	return listed;
}

/**
 * The zone's name as given, in the spelling of this runtime's list when only its case differs
 * (`america/new_york` → `America/New_York`), or null when the time-zone data does not know it.
 * A name is kept, not replaced by the data's canonical one: ICU calls `Asia/Kolkata`
 * `Asia/Calcutta`, and the agent chose the name they know.
 */
export function canonicalTimeZone(name: string): string | null {
	if (name.length > TIME_ZONE_MAX || !IANA_NAME.test(name)) return null;
	const lower = name.toLowerCase();
	// Not every runtime lists UTC, which they all know.
	if (lower === 'utc') return UTC;
	const spelled = listedZones().get(lower);
	if (spelled) return spelled;
	// Names the list leaves out (aliases such as Asia/Kolkata on some runtimes): ask the data.
	try {
		new Intl.DateTimeFormat('en', { timeZone: name });
		return name;
	} catch {
		return null;
	}
}

/** A zone as people read it: `America/New_York` → `America/New York`. */
export function zoneLabel(zone: string): string {
	return zone.replace(/_/g, ' ');
}
