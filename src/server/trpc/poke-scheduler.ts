/**
 * One poke scheduler per Beckon serves every open `sync.poke` stream of the instance. It hears
 * each announced change once (one bus listener, not one per stream) and keeps them in a log; at
 * each tick (at once after a commit, or when a waiting stream's pacing gap has passed) it serves
 * every stream that is due and has changes it has not judged. Streams that would get the same
 * poke — the same changes judged from the same point, the same view of them (role, permission,
 * queues, and the user's id when a change names it), the same view epoch and range — are served
 * together: the changes are judged, the poke built and its frame encoded once for the group, and
 * the same bytes written to each. With a thousand devices on one busy queue (bench row 12) every
 * stream used to wake its own generator, judge each change, build its poke and arm its own timer:
 * per-stream work that kept the server above one core.
 */
import { canSee, type VisibilityFacts } from '../../lib/domain/visibility';
import type { Beckon } from '../app';
import { MAX_QUEUED, type Change, type Coverage } from '../bus';
import { pokeChanges, type PokeChanges } from '../services/poke-data';
import { visibilityOf } from '../services/request-records';
import type { AuthUser } from '../services/users';
import { runTask } from '../tasks';

/**
 * How often one stream may be poked without data. Such a poke only says "pull", and a device
 * pulls once per poke at most, so what they cost the server grows with open streams × pokes per
 * stream. The server holds the product to a budget: with few streams open (a small team, a test)
 * every change is announced at once; with many, each stream waits its share of the budget after
 * a plain poke, and the changes made meanwhile are announced together (today's figure: 1,000
 * devices, one poke each per 100 ms at most). The wait never exceeds `maxGapMs`, so a change is
 * seen within it. A poke that carries its rows costs no pull: it has its own, larger budget
 * (`dataPokesPerSecond`), which only bounds how many messages the server writes.
 * Tests may change the figures.
 */
export const POKE_PACING = { pokesPerSecond: 10_000, dataPokesPerSecond: 10_000, maxGapMs: 250 };

/** The least time between two pokes on one stream while `openStreams` are open. */
export function pokeGapMs(openStreams: number, perSecond = POKE_PACING.pokesPerSecond): number {
	return Math.min(POKE_PACING.maxGapMs, (openStreams * 1_000) / perSecond);
}

/** Below this a wait is not worth it: the stream answers the next change at once. */
const SHORTEST_GAP_MS = 1;

/**
 * One poke: `connected` when the stream opens, then `change`. A change poke may carry the rows
 * of the changes it announces (services/poke-data.ts): `from`, `to`, `changes`, `deleted`.
 */
export type Poke = { at: string; reason: 'connected' | 'change' } & Partial<PokeChanges>;

/** A poke and its JSON, made from each row's JSON made once for all streams. */
export interface PokeEvent {
	poke: Poke;
	json: string;
}

/** A poke as every stream of a group receives it: its SSE message encoded once for all. */
export class SharedPoke implements PokeEvent {
	#frame: Buffer | undefined;

	constructor(
		readonly poke: Poke,
		readonly json: string
	) {}

	/** tRPC's `data` message of the poke, as bytes (poke-stream.ts writes it to each stream). */
	get frame(): Buffer {
		this.#frame ??= Buffer.from(`data: ${this.json}\n\n\n`);
		return this.#frame;
	}
}

/** Where a stream's pokes go: its response (poke-stream.ts) or tRPC's generator (`pokeEvents`). */
export interface PokeSink {
	send(poke: SharedPoke): void;
	/** The stream is over: the client went away, the user was deactivated or the server stops. */
	end(error?: unknown): void;
	/** False while the consumer has not taken the last poke: the stream is not served meanwhile. */
	ready?(): boolean;
}

function plainPoke(app: Beckon, reason: Poke['reason']): SharedPoke {
	const at = new Date(app.clock()).toISOString();
	return new SharedPoke({ at, reason }, `{"at":"${at}","reason":"${reason}"}`);
}

function concerns(user: AuthUser, change: Change): boolean {
	if (change.userIds?.includes(user.id)) return true;
	return [change.before, change.after].some((facts) => facts !== undefined && canSee(user, facts));
}

/**
 * What `canSee`, the poke's links and its cursors depend on, but the user's id, as a small
 * number: users with the same one see the same of any change that names none of them
 * (`createdBy`, an agent assignment, `userIds`), in the same view epoch.
 */
const views = new Map<string, number>();
let nextView = 0;
function viewOf(user: AuthUser, epoch: number): number {
	const key = `${epoch}\n${user.role}\n${user.permission}\n${[...user.queueIds].sort().join(',')}`;
	let view = views.get(key);
	if (view === undefined) {
		// Forgotten all at once past a generous size; numbers are never given twice, so a stream
		// holding a forgotten one is never grouped with another view.
		if (views.size >= 100_000) views.clear();
		views.set(key, (view = nextView++));
	}
	return view;
}

interface Stream {
	userId: string;
	user: AuthUser;
	epoch: number;
	/** Its user's view (`viewOf`). */
	view: number;
	sink: PokeSink;
	/** Position in the scheduler's log up to which this stream's changes were judged. */
	seen: number;
	/** Changes were dropped unjudged (a consumer that did not read): next poke is plain. */
	overflowed: boolean;
	/** The coverage when this stream last took changes: its next poke's range starts there. */
	start: Coverage;
	/** Not served before this time (performance.now()): its pacing gap. */
	dueAt: number;
	/** Its user is being read again: not served meanwhile. */
	busy: boolean;
	stop: () => void;
}

/** The user ids a stretch of changes names: users whose view of them may differ by their id. */
function namedUsers(changes: readonly Change[]): Set<string> {
	const named = new Set<string>();
	const add = (facts: VisibilityFacts | undefined) => {
		if (!facts) return;
		named.add(facts.createdBy);
		if (facts.assignment.kind === 'agent') named.add(facts.assignment.userId);
	};
	for (const change of changes) {
		for (const id of change.userIds ?? []) named.add(id);
		add(change.before);
		add(change.after);
		if (change.written) add(visibilityOf(change.written.row));
	}
	return named;
}

const EVERYONE: readonly Change[] = [{ everyone: true }];

export class PokeScheduler {
	readonly #app: Beckon;
	readonly #streams = new Set<Stream>();
	/** Changes announced since the least `seen` of the streams; `#base` is the first's position. */
	#log: Change[] = [];
	#base = 0;
	#unlisten: (() => void) | null = null;
	#tickQueued = false;
	#timer: NodeJS.Timeout | null = null;
	#timerAt = Infinity;
	/**
	 * No stream is due before this: a tick before it (a change announced while every stream waits
	 * out its gap) only sets the timer, without looking at each stream. A stream's due time only
	 * moves later, except a new stream's, which sets this back to 0.
	 */
	#quietUntil = 0;
	/** Pokes built and written since the scheduler started (for tests and profiles). */
	readonly stats = { pokesBuilt: 0, pokesSent: 0 };

	constructor(app: Beckon) {
		this.#app = app;
		app.bus.closing.addEventListener('abort', () => {
			for (const stream of [...this.#streams]) this.#drop(stream);
		});
	}

	/** How many poke streams are open on this instance. */
	get size(): number {
		return this.#streams.size;
	}

	/**
	 * Opens a stream for `userId`: a `connected` poke, then pokes as changes concern the user,
	 * until `signal` aborts, the user is gone or deactivated, or the bus closes (`sink.end`).
	 */
	async open(userId: string, sink: PokeSink, signal: AbortSignal): Promise<void> {
		let viewer;
		try {
			viewer = await runTask(this.#app, 'sync.viewer', userId);
		} catch (error) {
			return sink.end(error);
		}
		if (!viewer) return sink.end();
		if (signal.aborted) return sink.end();
		const { user, epoch } = viewer;
		const stream: Stream = {
			userId,
			user,
			epoch,
			view: viewOf(user, epoch),
			sink,
			seen: this.#end(),
			overflowed: false,
			// Every change announced from here on reaches this stream.
			start: this.#app.bus.coverage(),
			dueAt: 0,
			busy: false,
			stop: () => this.#drop(stream)
		};
		if (this.#streams.size === 0) {
			this.#unlisten = this.#app.bus.listen((change) => this.#heard(change));
		}
		this.#streams.add(stream);
		this.#quietUntil = 0;
		signal.addEventListener('abort', stream.stop, { once: true });
		sink.send(plainPoke(this.#app, 'connected'));
		if (this.#app.bus.closing.aborted) this.#drop(stream);
	}

	/** Serves the streams that are due (a consumer took its poke: its stream may be served). */
	wake() {
		if (this.#tickQueued) return;
		this.#tickQueued = true;
		// After the announcing code's synchronous work: one commit's changes make one poke.
		queueMicrotask(() => this.#tick());
	}

	#end(): number {
		return this.#base + this.#log.length;
	}

	#heard(change: Change) {
		this.#log.push(change);
		this.wake();
	}

	#drop(stream: Stream, error?: unknown) {
		if (!this.#streams.delete(stream)) return;
		if (this.#streams.size === 0) {
			this.#unlisten?.();
			this.#unlisten = null;
			this.#log = [];
			this.#base = 0;
			if (this.#timer) clearTimeout(this.#timer);
			this.#timer = null;
			this.#timerAt = Infinity;
		}
		stream.sink.end(error);
	}

	#tick() {
		this.#tickQueued = false;
		const now = performance.now();
		if (now < this.#quietUntil) return this.#wakeAt(this.#quietUntil);
		const end = this.#end();
		const coverage = this.#app.bus.coverage();
		let next = Infinity;
		// Streams that would get the same poke, by what their poke depends on.
		const groups = new Map<string, Stream[]>();
		const named = new Map<number, Set<string>>();
		for (const stream of this.#streams) {
			if (stream.busy || (stream.seen === end && !stream.overflowed)) continue;
			if (stream.sink.ready?.() === false) continue;
			if (stream.dueAt > now) {
				next = Math.min(next, stream.dueAt);
				continue;
			}
			let key: string;
			if (stream.overflowed) {
				key = `overflowed ${stream.userId}`;
			} else {
				let names = named.get(stream.seen);
				if (!names) named.set(stream.seen, (names = namedUsers(this.#since(stream.seen))));
				const { era, version } = stream.start;
				key = `${stream.seen} ${era} ${version} ${stream.view}`;
				if (names.has(stream.userId)) key += `\n${stream.userId}`;
			}
			const group = groups.get(key);
			if (group) group.push(stream);
			else groups.set(key, [stream]);
		}
		for (const group of groups.values()) this.#serve(group, end, coverage, now);
		this.#trim();
		if (next < Infinity) this.#wakeAt(next);
		let quietUntil = Infinity;
		for (const stream of this.#streams) quietUntil = Math.min(quietUntil, stream.dueAt);
		this.#quietUntil = quietUntil;
	}

	#since(seen: number): Change[] {
		return this.#log.slice(seen - this.#base);
	}

	/** Serves streams with the same view of the same changes since the same point. */
	#serve(group: Stream[], end: number, coverage: Coverage, now: number) {
		const [first] = group;
		const changes = first.overflowed ? EVERYONE : this.#since(first.seen);
		const batch = changes.filter((change) => change.everyone || concerns(first.user, change));
		for (const stream of group) {
			stream.seen = end;
			stream.overflowed = false;
		}
		// Nothing here for them: their next poke's range still starts where it did.
		if (batch.length === 0) return;
		// Queues, roles and deactivation change while a stream is open, and each such change is
		// announced naming the user (view epochs): only then is the user read again. A change for
		// everyone may stand for changes unheard (another instance's): read it too.
		if (batch.some((change) => change.everyone || change.userIds?.includes(first.userId))) {
			for (const stream of group) void this.#reread(stream, batch, coverage);
			return;
		}
		this.#poke(group, batch, coverage, now);
	}

	/** Builds the group's poke once and writes it to each of them. */
	#poke(group: Stream[], batch: readonly Change[], coverage: Coverage, now: number) {
		const [first] = group;
		// The batch's rows when they may be sent (the range is whole, nobody's view changed), else
		// a plain poke, and the device pulls.
		const carried = pokeChanges(this.#app, first.user, first.epoch, batch, first.start, coverage);
		let poke: SharedPoke;
		if (carried) {
			const at = new Date(this.#app.clock()).toISOString();
			poke = new SharedPoke(
				{ at, reason: 'change', ...carried.data },
				`{"at":"${at}","reason":"change",${carried.json}}`
			);
		} else {
			poke = plainPoke(this.#app, 'change');
		}
		this.stats.pokesBuilt += 1;
		// Changes made meanwhile wait in the log and make the next poke.
		const gap = pokeGapMs(this.#streams.size, carried ? POKE_PACING.dataPokesPerSecond : undefined);
		const dueAt = gap < SHORTEST_GAP_MS ? 0 : now + gap;
		for (const stream of group) {
			stream.start = coverage;
			stream.dueAt = dueAt;
			this.stats.pokesSent += 1;
			stream.sink.send(poke);
		}
	}

	async #reread(stream: Stream, batch: readonly Change[], coverage: Coverage) {
		stream.busy = true;
		try {
			const reread = await runTask(this.#app, 'sync.viewer', stream.userId);
			if (!this.#streams.has(stream)) return;
			if (!reread) return this.#drop(stream);
			stream.user = reread.user;
			stream.epoch = reread.epoch;
			stream.view = viewOf(reread.user, reread.epoch);
			this.#poke([stream], batch, coverage, performance.now());
		} catch (error) {
			this.#drop(stream, error);
		} finally {
			stream.busy = false;
			// Changes announced while the user was read are served at the next tick.
			if (this.#streams.has(stream) && stream.seen < this.#end()) this.wake();
		}
	}

	/**
	 * Drops the changes every stream has judged. A stream not served for long (its consumer does
	 * not take its pokes) holds at most MAX_QUEUED: past that its changes fold into one for
	 * everyone, which a stream already treats as "something may have changed unheard".
	 */
	#trim() {
		const end = this.#end();
		let least = end;
		for (const stream of this.#streams) {
			if (end - stream.seen > MAX_QUEUED) {
				stream.seen = end;
				stream.overflowed = true;
			}
			least = Math.min(least, stream.seen);
		}
		if (least > this.#base) {
			this.#log = this.#log.slice(least - this.#base);
			this.#base = least;
		}
	}

	/** One timer for all streams: the earliest time a stream with changes waiting is due. */
	#wakeAt(at: number) {
		if (this.#timer && this.#timerAt <= at) return;
		if (this.#timer) clearTimeout(this.#timer);
		this.#timerAt = at;
		this.#timer = setTimeout(
			() => {
				this.#timer = null;
				this.#timerAt = Infinity;
				this.#tick();
			},
			Math.max(0, at - performance.now())
		);
	}
}

const schedulers = new WeakMap<Beckon, PokeScheduler>();

/** The instance's poke scheduler. */
export function pokeSchedulerOf(app: Beckon): PokeScheduler {
	let scheduler = schedulers.get(app);
	if (!scheduler) schedulers.set(app, (scheduler = new PokeScheduler(app)));
	return scheduler;
}

/** A poke stream as an async generator (tRPC's own `sync.poke`, through `pokes()`). */
export async function* pokeEvents(
	app: Beckon,
	userId: string,
	signal: AbortSignal
): AsyncGenerator<PokeEvent> {
	const scheduler = pokeSchedulerOf(app);
	const queue: SharedPoke[] = [];
	let ended = false;
	let failure: unknown;
	let wake: (() => void) | null = null;
	const sink: PokeSink = {
		send: (poke) => {
			queue.push(poke);
			wake?.();
		},
		end: (error) => {
			ended = true;
			failure = error;
			wake?.();
		},
		// One poke at a time, as the consumer takes them: the changes made meanwhile make the next.
		ready: () => queue.length === 0
	};
	const stop = new AbortController();
	const onAbort = () => stop.abort();
	signal.addEventListener('abort', onAbort, { once: true });
	void scheduler.open(userId, sink, stop.signal);
	try {
		for (;;) {
			const poke = queue.shift();
			if (poke) {
				yield poke;
				scheduler.wake();
				continue;
			}
			if (ended) break;
			await new Promise<void>((resolve) => (wake = resolve));
			wake = null;
		}
		if (failure !== undefined) throw failure;
	} finally {
		signal.removeEventListener('abort', onAbort);
		// The consumer stopped early (tRPC's stream closed): the stream leaves the scheduler.
		stop.abort();
	}
}
