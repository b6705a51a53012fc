/**
 * The parts of the agent app that the request list does not need, loaded on first use so the
 * first screen ships less JavaScript (README, Performance row 7): the request detail (with the
 * edit dialog, link sharing, the live session and bits-ui's tooltips), the create dialog, the
 * notification settings, the alerts' toasts and texts, the refused changes, the live session a colleague invites the agent into and the sign-in's
 * second step.
 * Each brings its messages in the agent's language (the `app` group of message-tables.ts), which
 * the first screen does not load either.
 * The service worker precaches every chunk of the build, so they load with no network as well.
 */
import { agentLocale } from './agent-i18n';
import { loadMessages } from '../link/message-tables';

/**
 * Imports once and shares the promise. A failed import (the network dropped before the service
 * worker took control, or a deploy removed the chunk) is not remembered: the next call tries again.
 */
function once<T>(load: () => Promise<T>): () => Promise<T> {
	let loading: Promise<T> | null = null;
	return () =>
		(loading ??= Promise.all([load(), loadMessages(agentLocale, 'app')])
			.then(([module]) => module)
			.catch((error: unknown) => {
				loading = null;
				throw error;
			}));
}

export const loadRequestDetail = once(() => import('./RequestDetail.svelte'));
export const loadCreateRequestDialog = once(() => import('./CreateRequestDialog.svelte'));
export const loadNotificationSettings = once(() => import('./NotificationSettings.svelte'));
/** The sign-in's second step (a code, a passkey, setting up an authenticator app). */
export const loadSignInSecondStep = once(() => import('./SignInSecondStep.svelte'));
/** The alerts' toasts, with the notifier after the first screen (AgentApp.afterFirstScreen). */
export const loadToasts = once(() => import('./Toasts.svelte'));
/** The changes the server refused, shown when there are any (AgentHome). */
export const loadAttention = once(() => import('./Attention.svelte'));
/** How alerts read in the agent's language, for the notifier (AgentHome). */
export const loadAlertTexts = once(() => import('./alert-texts'));
/** A colleague's invitations into live sessions, asked for once the list shows (AgentHome). */
export const loadSessionInvites = once(() => import('./SessionInvites.svelte'));
/** A colleague's live session, joined from an invitation (SessionInvites). */
export const loadSessionView = once(() => import('./SessionView.svelte'));
