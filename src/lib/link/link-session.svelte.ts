/**
 * The link page's state: the request as the end user may see it, followed live (`link.watch`),
 * presence kept fresh (`link.open` on arrival and every PRESENCE_MS while the page is visible),
 * and the end user's answers. A dead link (reason `link_dead`) leaves only the explanation.
 */
import { refusalOf, type Api } from '../client/api';
import { DeadLinkKind } from '../domain/errors';
import { isTerminal } from '../domain/types';
// Type-only: the shape of link.get's answer, none of the server's code.
import type { LinkView } from '../../server/services/link-page';
import { rememberSessionKey, sessionKeyFor } from './session/session-key';

export type { LinkView };

/** Presence is "fresh" on the server for 60 s: report well within that. */
const PRESENCE_MS = 20_000;
const RESUBSCRIBE_MS = 2_000;

export interface DeadLink {
	/** Why, shown in the visitor's language. */
	kind: DeadLinkKind | 'rate_limited';
}

export class LinkSession {
	view = $state<LinkView | null>(null);
	dead = $state<DeadLink | null>(null);
	/** What the end user did here that closed the request. */
	outcome = $state<'declined' | 'ended' | null>(null);
	/** The server cannot be reached right now (the page keeps trying). */
	offline = $state(false);
	busy = $state(false);
	/** An answer the server refused (for instance, the agent withdrew the request meanwhile). */
	failed = $state(false);

	readonly #api: Api;
	readonly #token: string;
	#watching = false;

	constructor(api: Api, token: string) {
		this.#api = api;
		this.#token = token;
	}

	/** Opens the link and starts following it; returns the cleanup for when the page goes. */
	start(): () => void {
		const ping = () => {
			if (document.visibilityState === 'visible' && this.#live()) void this.#open();
		};
		const timer = setInterval(ping, PRESENCE_MS);
		document.addEventListener('visibilitychange', ping);
		let watch: { unsubscribe(): void } | null = null;
		let again: ReturnType<typeof setTimeout> | undefined;
		let stopped = false;
		const follow = () => {
			if (stopped || !this.#live()) return;
			watch = this.#api.link.watch.subscribe(
				{ token: this.#token },
				{
					onData: (view) => {
						this.#watching = true;
						this.offline = false;
						this.view = view;
					},
					onError: (error) => {
						if (stopped) return;
						this.#refused(error);
						again = setTimeout(follow, RESUBSCRIBE_MS);
					},
					// The stream ends when the request closes, when the link is replaced (silently) and
					// when the server restarts: find out which, and follow again while it lives.
					onComplete: () => {
						this.#watching = false;
						if (stopped || !this.#live()) return;
						void this.#open().then(() => (again = setTimeout(follow, RESUBSCRIBE_MS)));
					},
					onConnectionStateChange: (state) => {
						this.offline = state.state === 'connecting' && state.error !== null;
					}
				}
			);
		};
		void this.#open().then(follow);
		return () => {
			stopped = true;
			clearInterval(timer);
			clearTimeout(again);
			document.removeEventListener('visibilitychange', ping);
			watch?.unsubscribe();
		};
	}

	respond(decision: 'allow' | 'deny') {
		return this.#act(async () => {
			const answer = await this.#api.link.respond.mutate({
				token: this.#token,
				decision,
				sessionKey: sessionKeyFor(this.#token)
			});
			// Allowing binds the session to this page.
			const { sessionKey, ...view } = answer;
			if (sessionKey) rememberSessionKey(this.#token, sessionKey);
			return view;
		});
	}

	async decline() {
		const input = { token: this.#token, sessionKey: sessionKeyFor(this.#token) };
		if (await this.#act(() => this.#api.link.decline.mutate(input))) {
			this.outcome = 'declined';
		}
	}

	async end() {
		const input = { token: this.#token, sessionKey: sessionKeyFor(this.#token) };
		if (await this.#act(() => this.#api.link.end.mutate(input))) {
			this.outcome = 'ended';
		}
	}

	#live() {
		return !this.dead && !(this.view && isTerminal(this.view.status));
	}

	async #open() {
		try {
			const view = await this.#api.link.open.mutate({ token: this.#token });
			this.offline = false;
			// Once the live stream runs it is the truth; an open's answer may be older than it.
			if (!this.#watching || !this.view) this.view = view;
		} catch (error) {
			this.#refused(error);
		}
	}

	async #act(call: () => Promise<LinkView>): Promise<boolean> {
		this.busy = true;
		this.failed = false;
		try {
			this.view = await call();
			return true;
		} catch (error) {
			this.#refused(error);
			if (!this.dead) this.failed = true;
			return false;
		} finally {
			this.busy = false;
		}
	}

	#refused(error: unknown) {
		const refusal = refusalOf(error);
		if (refusal?.reason === 'link_dead') {
			const kind = Object.values(DeadLinkKind).find((k) => k === refusal.detail);
			this.dead = { kind: kind ?? DeadLinkKind.invalid };
		} else if (refusal?.reason === 'rate_limited' && !this.view) {
			this.dead = { kind: 'rate_limited' };
		} else if (refusal === null) {
			this.offline = true;
		}
	}
}
