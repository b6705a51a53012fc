/**
 * What a poke carries (`sync.poke`): the rows of a batch of changes that a user may see, exactly
 * as `sync.pull` would send them for the same range of versions, so that a device whose cursor
 * is where the range starts applies them and does not pull. With a thousand devices on one busy
 * queue, a poke that only said "pull" made every change cost a thousand pulls (README, row 12).
 *
 * Each changed row is turned into its API shape and serialised to JSON once per change (twice at
 * most: with and without its link), whatever the number of streams; each stream then only picks
 * the rows its user may see and joins their JSON.
 */
import type { SessionRequest } from '../../lib/domain/types';
import { canSee } from '../../lib/domain/visibility';
import type { Beckon } from '../app';
import type { Change, Coverage, SerialisedRow, WrittenRow } from '../bus';
import { mayHoldLink } from './link-access';
import { toSessionRequest, visibilityOf } from './request-records';
import type { AuthUser } from './users';

/**
 * The most a poke's rows may take on one stream, as JSON: past it (an expiry sweep of thousands,
 * a bulk change) the poke carries none and the device pulls, in pages, as before. A request is
 * about 700 bytes of JSON, so this holds some ninety. Tests may change it (0: every poke is plain).
 */
export const POKE_DATA = { maxBytes: 64 * 1024 };

/** The versions a poke covers, as pull cursors: `from` (exclusive) to `to` (inclusive). */
export interface PokeRange {
	from: string;
	to: string;
}

/** What a poke with data says beyond `{at, reason}`. */
export interface PokeChanges extends PokeRange {
	changes: SessionRequest[];
	deleted: string[];
}

/**
 * The row as the API returns it (its link included), made once per change. On PostgreSQL's
 * database thread this runs before the change crosses to the HTTP thread, which has no link
 * secret to make the link with.
 */
export function requestOf(app: Beckon, written: WrittenRow, now: number): SessionRequest {
	written.request ??= toSessionRequest(app, written.row, now);
	return written.request;
}

/** Fills in every written row's API shape (the database thread, before its changes leave it). */
export function withRequests(app: Beckon, changes: readonly Change[]): Change[] {
	const now = app.clock();
	for (const change of changes) if (change.written) requestOf(app, change.written, now);
	return [...changes];
}

interface Picked {
	request: SessionRequest;
	json: SerialisedRow;
}

const serialised = (value: unknown): SerialisedRow => {
	const text = JSON.stringify(value);
	return { text, bytes: Buffer.byteLength(text) };
};

function picked(app: Beckon, written: WrittenRow, withLink: boolean, now: number): Picked {
	const request = requestOf(app, written, now);
	if (withLink || request.link === null) {
		written.json ??= serialised(request);
		return { request, json: written.json };
	}
	const shown = { ...request, link: null };
	written.jsonWithoutLink ??= serialised(shown);
	return { request: shown, json: written.jsonWithoutLink };
}

const cursorOf = (version: number, epoch: number) => `${version}.${epoch}`;

/**
 * The rows and removals of `batch` (the changes that concern `user`, announced between the
 * coverages `start` and `end`) as a pull from `start` to `end` would give them to `user` in view
 * epoch `epoch`; null when the poke cannot carry them and the device must pull: the range is not
 * known whole (another instance's changes, a gap), a change names users or everyone (a view that
 * changed as a whole), a change came without its row, or the rows exceed POKE_DATA.maxBytes.
 * Returns the JSON of the data too, built from each row's JSON made once.
 */
export function pokeChanges(
	app: Beckon,
	user: AuthUser,
	epoch: number,
	batch: readonly Change[],
	start: Coverage,
	end: Coverage
): { data: PokeChanges; json: string } | null {
	if (start.version === null || end.version === null || start.era !== end.era) return null;
	if (POKE_DATA.maxBytes <= 0) return null;
	// Per request, its newest row, and whether it was in the user's view before any change here.
	const latest = new Map<string, WrittenRow>();
	const wasVisible = new Set<string>();
	for (const change of batch) {
		const { written } = change;
		if (!written || change.userIds || change.everyone) return null;
		const { row } = written;
		const known = latest.get(row.id);
		if (!known || known.row.version < row.version) latest.set(row.id, written);
		if (change.before && canSee(user, change.before)) wasVisible.add(row.id);
	}
	const now = app.clock();
	const withLink = mayHoldLink(user);
	const changes: SessionRequest[] = [];
	const parts: string[] = [];
	const deleted: string[] = [];
	let bytes = 0;
	// In version order, as a pull sends them.
	const rows = [...latest.values()].sort((a, b) => a.row.version - b.row.version);
	for (const written of rows) {
		if (canSee(user, visibilityOf(written.row))) {
			const { request, json } = picked(app, written, withLink, now);
			bytes += json.bytes + 1;
			if (bytes > POKE_DATA.maxBytes) return null;
			changes.push(request);
			parts.push(json.text);
		} else if (wasVisible.has(written.row.id)) {
			// Taken out of the user's view within the range: a pull lists it as removed.
			deleted.push(written.row.id);
		}
	}
	const from = cursorOf(start.version, epoch);
	const to = cursorOf(end.version, epoch);
	const json =
		`"from":"${from}","to":"${to}","changes":[${parts.join(',')}],` +
		`"deleted":${JSON.stringify(deleted)}`;
	return { data: { from, to, changes, deleted }, json };
}
