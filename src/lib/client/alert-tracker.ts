/**
 * The bookkeeping behind the agent's alerts on a device (the Notifier's): what each request
 * looked like at the last look, which scheduled moments were announced, and whether the device
 * has synced at least once — before that, rows arriving are the device filling up, not news.
 * Plain data in, alerts out: no Svelte, no Dexie, no clock of its own.
 */
import {
	alertOf,
	countWaitingOn,
	firstNameOf,
	isResponsible,
	type AlertFacts,
	type AlertKind
} from '../domain/alerts';
import { EXPIRABLE_STATUSES, type Status } from '../domain/types';
import type { LocalRequest } from './db';

export interface Alert {
	id: number;
	requestId: string;
	kind: AlertKind;
	firstName: string;
}

export interface Viewer {
	id: string;
	queueIds: readonly string[];
}

export class AlertTracker {
	#known = new Map<string, AlertFacts>();
	#armed = false;
	#dueSent = new Set<string>();
	#lastLook = 0;
	#serial = 0;

	/**
	 * Looks at the rows as the app shows them now (`statusOf`: the status every read reports).
	 * Returns the alerts for what changed since the last look and the count of requests waiting on
	 * `viewer`. `synced`: the device has completed a sync, so changes from here on are news.
	 * A row with this device's own changes pending is the agent's own doing: no alert.
	 */
	observe(
		rows: readonly LocalRequest[],
		statusOf: (row: LocalRequest) => Status,
		viewer: Viewer,
		synced: boolean,
		now: number
	): { alerts: Alert[]; waiting: number } {
		const alerts: Alert[] = [];
		const seen = new Set<string>();
		for (const row of rows) {
			const status = statusOf(row);
			const facts: AlertFacts = {
				status,
				closedReason: row.closedReason,
				assignment: row.assignment
			};
			const before = this.#known.get(row.id) ?? null;
			seen.add(row.id);
			this.#known.set(row.id, facts);
			if (!this.#armed || row.pending > 0 || row.unsynced || row.anonymizedAt) continue;
			if (!isResponsible(viewer, row)) continue;
			const kind = alertOf(before, facts);
			if (kind) alerts.push(this.#alert(row, kind));
			else if (this.#isDue(row, status, now)) alerts.push(this.#alert(row, 'due'));
		}
		for (const id of this.#known.keys()) if (!seen.has(id)) this.#known.delete(id);
		this.#lastLook = now;
		if (synced) this.#armed = true;
		const waiting = countWaitingOn(
			viewer,
			rows.map((row) => ({ ...row, status: statusOf(row) }))
		);
		return { alerts, waiting };
	}

	/** Its scheduled time came since the last look (once per schedule), and it still may start. */
	#isDue(row: LocalRequest, status: Status, now: number): boolean {
		if (!row.scheduledAt) return false;
		const at = Date.parse(row.scheduledAt);
		const key = `${row.id}@${row.scheduledAt}`;
		if (at > now || at <= this.#lastLook || this.#dueSent.has(key)) return false;
		if (!(EXPIRABLE_STATUSES as readonly Status[]).includes(status)) return false;
		this.#dueSent.add(key);
		return true;
	}

	#alert(row: LocalRequest, kind: AlertKind): Alert {
		this.#serial += 1;
		return { id: this.#serial, requestId: row.id, kind, firstName: firstNameOf(row.recipientName) };
	}
}
