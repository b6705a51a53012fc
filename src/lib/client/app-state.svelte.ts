/**
 * The agent app's top-level state: local database, API client, signed-in user and sync engine.
 * Start-up works offline: a remembered user opens at once on local data, and the server is asked
 * about the session as soon as it can be reached.
 */
import type { Api } from './api';
import { createLazyApi } from './lazy-api';
import { BeckonDB } from './db';
import {
	finishSignIn,
	rememberedUser,
	signIn,
	signOut,
	verifySession,
	type PendingSignIn,
	setLanguage,
	type SignedInUser
} from './session';
import type { Language } from '../domain/types';
import type { Notifier } from './notifier.svelte';
import { markFirstScreenShown } from './first-screen';
import { loadMutators } from './store';
import { SyncEngine } from './sync-engine.svelte';

export class AgentApp {
	readonly db = new BeckonDB();
	readonly api: Api = createLazyApi();
	user = $state<SignedInUser | null>(null);
	engine = $state<SyncEngine | null>(null);
	/**
	 * The signed-in agent's alerts, waiting count and push subscription on this device: loaded
	 * once the first screen shows (`afterFirstScreen`), null until then.
	 */
	notifier = $state<Notifier | null>(null);
	ready = $state(false);
	/** Why the agent is looking at the sign-in page, if not by choice. */
	notice = $state<string | null>(null);
	/** Whether the agent signed out on this page (the sign-in page then offers the provider's). */
	signedOut = $state(false);

	async boot() {
		const remembered = await rememberedUser(this.db);
		if (remembered) this.#startEngine(remembered);
		this.ready = true;
		void this.#verify();
		window.addEventListener('online', () => void this.#verify());
	}

	/** The password step; a `PendingSignIn` when a second step must follow (SignIn shows it). */
	async signIn(email: string, password: string): Promise<PendingSignIn | null> {
		const outcome = await signIn(this.api, this.db, email, password);
		if ('pendingToken' in outcome) return outcome;
		this.#signedIn(outcome);
		return null;
	}

	/** Once the server has set the session cookie (second factor taken, or app set up). */
	async finishSignIn() {
		this.#signedIn(await finishSignIn(this.api, this.db));
	}

	#signedIn(user: SignedInUser) {
		this.notice = null;
		this.#startEngine(user);
	}

	/** The account screen's language choice; the app reloads in it (AppHeader). */
	async setLanguage(language: Language | null) {
		const user = await setLanguage(this.api, this.db, language);
		if (this.user?.id === user.id) this.user = user;
	}

	async signOut() {
		this.engine?.stop();
		await this.notifier?.forgetThisDevice();
		this.#stopNotifier();
		// Wipe and end the server session before showing the sign-in page, so that a reload
		// right after "Sign out" cannot bring the remembered user back.
		await signOut(this.api, this.db);
		this.engine = null;
		this.user = null;
		this.signedOut = true;
	}

	#startEngine(user: SignedInUser) {
		this.engine?.stop();
		this.#stopNotifier();
		this.user = user;
		const engine = new SyncEngine(this.db, this.api, user, () => void this.#signedOutByServer());
		this.engine = engine;
		void engine.start();
	}

	/**
	 * What the first screen did not need, loaded as soon as it is painted (the request list with
	 * the device's rows, or another page of the app; AgentPage calls this): the mutators with the
	 * domain plans and their schemas (a change made before awaits them: `queueMutation`), the
	 * notifier (alerts, the waiting count, notification settings), the poke stream with the tRPC
	 * client (SyncEngine.afterFirstScreen) and the service worker's registration (UpdatePrompt,
	 * `firstScreenShown`). Safe to call again.
	 */
	afterFirstScreen() {
		// After the frame that shows it is painted: the next frame's task.
		requestAnimationFrame(() =>
			setTimeout(() => {
				this.engine?.afterFirstScreen();
				void loadMutators().catch(() => undefined);
				void this.#startNotifier();
				markFirstScreenShown();
			})
		);
	}

	#notifierLoading = false;

	async #startNotifier() {
		const { engine, user } = this;
		if (this.notifier || this.#notifierLoading || !engine || !user) return;
		this.#notifierLoading = true;
		try {
			const { Notifier } = await import('./notifier.svelte');
			// Signed out, or signed in again, meanwhile: that start loads its own.
			if (this.engine !== engine || this.notifier) return;
			const notifier = new Notifier(this.db, this.api, () => this.user ?? user);
			this.notifier = notifier;
			void notifier.start();
		} catch {
			// Not loaded (a deploy removed the chunk, no network before the service worker): the
			// next screen tries again.
		} finally {
			this.#notifierLoading = false;
		}
	}

	#stopNotifier() {
		this.notifier?.stop();
		this.notifier = null;
	}

	async #verify() {
		if (!this.user) return;
		const result = await verifySession(this.api, this.db);
		if (result === 'signedOut') await this.#signedOutByServer();
		else if (result !== 'unreachable' && this.user && result.id === this.user.id) {
			// Queues, role or permission may have changed while we were away.
			this.user = result;
			this.engine?.setUser(result);
		}
	}

	async #signedOutByServer() {
		this.engine?.stop();
		this.#stopNotifier();
		this.engine = null;
		this.user = null;
		await signOut(this.api, this.db);
		this.notice = 'Your session ended. Sign in again to continue.';
	}
}
