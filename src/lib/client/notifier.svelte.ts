/**
 * The agent's alerts on this device: from the synced rows the app already shows, it finds the
 * changes the agent should act on (the shared rule of domain/alerts.ts), and for each it shows a
 * toast, plays a sound if the agent chose one, and — while the app is hidden or in the background,
 * with the agent's permission — a system notification through the service worker, tagged per
 * request so one notification stands for each request. It also keeps the count of requests
 * waiting on the agent, for the title and the installed app's badge, and the agent's Web Push
 * subscription of this browser.
 *
 * Only changes that arrive by sync alert: the rows a device has before its first completed sync
 * are the baseline, not news, and a row with this device's own changes pending is the agent's own
 * doing.
 */
import { ALERT_KINDS, type AlertKind, type NotificationPreferences } from '../domain/alerts';
import type { Status } from '../domain/types';
import { AlertTracker, type Alert } from './alert-tracker';
import type { Api } from './api';
import type { BeckonDB, LocalRequest } from './db';
import { OPEN_REQUEST_MESSAGE } from './notification-protocol';
import type { SignedInUser } from './session';

export type { Alert };

/** What the agent's language says for an alert (components/alert-texts.ts). */
export type DescribeAlert = (kind: AlertKind, firstName: string) => { title: string; body: string };

export type PermissionState = NotificationPermission | 'unsupported';

/** Toasts on screen at once; older ones make way. */
const MAX_TOASTS = 4;
/** A toast leaves by itself after this long, unless the pointer or focus is on the region. */
export const TOAST_MS = 12_000;

const DEFAULTS: NotificationPreferences = { events: [...ALERT_KINDS], sound: false };

export class Notifier {
	toasts = $state<Alert[]>([]);
	preferences = $state<NotificationPreferences>({ ...DEFAULTS, events: [...DEFAULTS.events] });
	waitingCount = $state(0);
	permission = $state<PermissionState>(
		typeof Notification === 'undefined' ? 'unsupported' : Notification.permission
	);
	/** Whether this browser is subscribed to Web Push for this agent (null: not known yet). */
	pushSubscribed = $state<boolean | null>(null);
	/** This browser's device id on the server, once subscribed. */
	deviceId = $state<string | null>(null);
	/** A request the agent asked to open from a notification, for the requests page to show. */
	openRequestId = $state<string | null>(null);

	#db: BeckonDB;
	#api: Api;
	#user: () => SignedInUser;
	#describe: DescribeAlert = (kind, name) => ({ title: `${name}: ${kind}`, body: '' });
	#tracker = new AlertTracker();
	#audio: AudioContext | null = null;
	#cleanups: (() => void)[] = [];

	constructor(db: BeckonDB, api: Api, user: () => SignedInUser) {
		this.#db = db;
		this.#api = api;
		this.#user = user;
	}

	/** How alerts read, set by the component that knows the agent's language. */
	setDescriber(describe: DescribeAlert) {
		this.#describe = describe;
	}

	async start() {
		const stored = await this.#db.getMeta<NotificationPreferences>('notificationPreferences');
		if (stored) this.preferences = stored;
		void this.refreshPreferences();
		const worker = typeof navigator === 'undefined' ? undefined : navigator.serviceWorker;
		if (worker) {
			const onMessage = (event: MessageEvent) => {
				if (event.data?.type === OPEN_REQUEST_MESSAGE) this.openRequestId = event.data.requestId;
			};
			worker.addEventListener('message', onMessage);
			this.#cleanups.push(() => worker.removeEventListener('message', onMessage));
			void this.#checkPush();
		}
	}

	stop() {
		for (const cleanup of this.#cleanups.splice(0)) cleanup();
		void this.#audio?.close();
		if (typeof navigator !== 'undefined') void navigator.clearAppBadge?.().catch(() => undefined);
	}

	/** The agent's choice from the server, kept for offline starts. */
	async refreshPreferences() {
		try {
			const preferences = await this.#api.push.preferences.query();
			this.preferences = preferences;
			await this.#db.setMeta('notificationPreferences', preferences);
		} catch {
			// Offline or signed out: the stored choice stands.
		}
	}

	async setPreferences(change: Partial<NotificationPreferences>) {
		const preferences = await this.#api.push.setPreferences.mutate(change);
		this.preferences = preferences;
		await this.#db.setMeta('notificationPreferences', preferences);
	}

	/**
	 * Looks at the rows as the app shows them now (`statusOf` the status every read reports) and
	 * alerts on what changed since the last look. `synced`: this device has completed a sync, so
	 * rows that appear from here on are news.
	 */
	observe(
		rows: readonly LocalRequest[],
		statusOf: (row: LocalRequest) => Status,
		synced: boolean,
		now: number
	) {
		const user = this.#user();
		const viewer = { id: user.id, queueIds: user.queueIds };
		const { alerts, waiting } = this.#tracker.observe(rows, statusOf, viewer, synced, now);
		this.#setCount(waiting);
		for (const alert of alerts) {
			if (this.preferences.events.includes(alert.kind)) this.#show(alert);
		}
	}

	#show(alert: Alert) {
		// One toast per request: a newer alert replaces the older one.
		this.toasts = [...this.toasts.filter((t) => t.requestId !== alert.requestId), alert].slice(
			-MAX_TOASTS
		);
		if (this.preferences.sound) this.#beep();
		void this.#notifySystem(alert);
	}

	dismiss(id: number) {
		this.toasts = this.toasts.filter((t) => t.id !== id);
	}

	#setCount(count: number) {
		if (count === this.waitingCount) return;
		this.waitingCount = count;
		if (typeof navigator === 'undefined') return;
		const badge = count > 0 ? navigator.setAppBadge?.(count) : navigator.clearAppBadge?.();
		void badge?.catch(() => undefined);
	}

	/** While the app is hidden or in the background, the alert also goes to the system. */
	async #notifySystem(alert: Alert) {
		if (this.permission !== 'granted' || typeof document === 'undefined') return;
		if (document.visibilityState === 'visible' && document.hasFocus()) return;
		const registration = await navigator.serviceWorker?.getRegistration();
		if (!registration) return;
		const { title, body } = this.#describe(alert.kind, alert.firstName);
		await registration
			.showNotification(title, {
				body,
				tag: `request-${alert.requestId}`,
				icon: '/icon-192.png',
				badge: '/icon-192.png',
				data: { requestId: alert.requestId }
			})
			.catch(() => undefined);
	}

	/** A short two-note chime, made on the spot (no sound file to load). */
	#beep() {
		try {
			this.#audio ??= new AudioContext();
			const audio = this.#audio;
			void audio.resume();
			const start = audio.currentTime;
			for (const [i, frequency] of [880, 1320].entries()) {
				const tone = audio.createOscillator();
				const gain = audio.createGain();
				tone.frequency.value = frequency;
				gain.gain.setValueAtTime(0.0001, start + i * 0.12);
				gain.gain.exponentialRampToValueAtTime(0.2, start + i * 0.12 + 0.02);
				gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.12 + 0.18);
				tone.connect(gain).connect(audio.destination);
				tone.start(start + i * 0.12);
				tone.stop(start + i * 0.12 + 0.2);
			}
		} catch {
			// No audio output, or the browser refuses sound before a gesture: the toast is enough.
		}
	}

	/**
	 * Asks for the permission (from the agent's click: browsers refuse or ignore a request made
	 * without one), then subscribes this browser to Web Push.
	 */
	async enableSystemNotifications() {
		if (typeof Notification === 'undefined') return;
		this.permission = await Notification.requestPermission();
		if (this.permission === 'granted') await this.subscribePush();
	}

	async #checkPush() {
		const registration = await navigator.serviceWorker.getRegistration().catch(() => undefined);
		const subscription = await registration?.pushManager?.getSubscription().catch(() => null);
		this.pushSubscribed = Boolean(subscription);
		// Keep the server's copy current (keys can change; another agent may have had it).
		if (subscription && this.permission === 'granted') {
			await this.#sendSubscription(subscription).catch(() => undefined);
		}
	}

	async subscribePush() {
		try {
			const registration = await navigator.serviceWorker?.ready;
			if (!registration?.pushManager) throw new Error('no Push API');
			const { key } = await this.#api.push.vapidPublicKey.query();
			const subscription =
				(await registration.pushManager.getSubscription()) ??
				(await registration.pushManager.subscribe({
					userVisibleOnly: true,
					applicationServerKey: key
				}));
			await this.#sendSubscription(subscription);
			this.pushSubscribed = true;
		} catch {
			// No push service reachable, or none in this browser: alerts come while the app is open.
			this.pushSubscribed = false;
		}
	}

	async #sendSubscription(subscription: PushSubscription) {
		const json = subscription.toJSON();
		const device = await this.#api.push.subscribe.mutate({
			endpoint: subscription.endpoint,
			keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' },
			label: deviceLabel()
		});
		this.deviceId = device.id;
	}

	/**
	 * Signing out: this browser stops receiving the agent's pushes (while the session still
	 * lets us tell the server), so the next person at a shared device hears nothing of them.
	 */
	async forgetThisDevice() {
		const registration = await navigator.serviceWorker?.getRegistration().catch(() => undefined);
		const subscription = await registration?.pushManager?.getSubscription().catch(() => null);
		if (!subscription) return;
		await this.#api.push.unsubscribe
			.mutate({ endpoint: subscription.endpoint })
			.catch(() => undefined);
		await subscription.unsubscribe().catch(() => undefined);
	}

	/** Removes one of the agent's devices; this browser's also stops its push subscription. */
	async removeDevice(id: string) {
		await this.#api.push.removeDevice.mutate({ id });
		if (id !== this.deviceId) return;
		this.deviceId = null;
		this.pushSubscribed = false;
		const registration = await navigator.serviceWorker?.getRegistration().catch(() => undefined);
		const subscription = await registration?.pushManager?.getSubscription().catch(() => null);
		await subscription?.unsubscribe().catch(() => undefined);
	}
}

/** A name for this browser in the agent's device list: its platform and browser, roughly. */
function deviceLabel(): string {
	const ua = navigator.userAgent;
	const browser = /Edg\//.test(ua)
		? 'Edge'
		: /Firefox\//.test(ua)
			? 'Firefox'
			: /Chrome\//.test(ua)
				? 'Chrome'
				: /Safari\//.test(ua)
					? 'Safari'
					: 'Browser';
	const platform = /iPad/.test(ua)
		? 'iPad'
		: /iPhone/.test(ua)
			? 'iPhone'
			: /Android/.test(ua)
				? 'Android'
				: /Mac OS X/.test(ua)
					? 'Mac'
					: /Windows/.test(ua)
						? 'Windows'
						: /Linux/.test(ua)
							? 'Linux'
							: '';
	return platform ? `${browser} on ${platform}` : browser;
}
