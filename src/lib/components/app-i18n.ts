/**
 * The requests page's strings (sign-in, list, detail, forms, header) in the agent's language.
 * Imported one by one (not the whole message index), so the page loads only these; the admin
 * screens bind every message instead (admin/admin-i18n.ts). Messages live in messages/*.json.
 */
import { bindMessage as bind } from './agent-i18n';
import { app_me } from '../paraglide/messages/app_me.js';
import { app_agent } from '../paraglide/messages/app_agent.js';
import { app_queue_named } from '../paraglide/messages/app_queue_named.js';
import { app_unassigned } from '../paraglide/messages/app_unassigned.js';
import { app_requests_heading } from '../paraglide/messages/app_requests_heading.js';
import { app_new_request } from '../paraglide/messages/app_new_request.js';
import { app_view_only } from '../paraglide/messages/app_view_only.js';
import { app_search } from '../paraglide/messages/app_search.js';
import { app_search_placeholder } from '../paraglide/messages/app_search_placeholder.js';
import { app_status } from '../paraglide/messages/app_status.js';
import { app_all_statuses } from '../paraglide/messages/app_all_statuses.js';
import { app_assignee } from '../paraglide/messages/app_assignee.js';
import { app_anyone } from '../paraglide/messages/app_anyone.js';
import { app_when } from '../paraglide/messages/app_when.js';
import { app_any_time } from '../paraglide/messages/app_any_time.js';
import { app_upcoming } from '../paraglide/messages/app_upcoming.js';
import { app_past } from '../paraglide/messages/app_past.js';
import { app_sort_by } from '../paraglide/messages/app_sort_by.js';
import { app_sort_newest } from '../paraglide/messages/app_sort_newest.js';
import { app_sort_scheduled } from '../paraglide/messages/app_sort_scheduled.js';
import { app_sort_expiry } from '../paraglide/messages/app_sort_expiry.js';
import { app_count } from '../paraglide/messages/app_count.js';
import { app_select_hint } from '../paraglide/messages/app_select_hint.js';
import { app_the_request } from '../paraglide/messages/app_the_request.js';
import { app_the_form } from '../paraglide/messages/app_the_form.js';
import { app_session_requests_label } from '../paraglide/messages/app_session_requests_label.js';
import { app_status_open } from '../paraglide/messages/app_status_open.js';
import { app_status_waiting } from '../paraglide/messages/app_status_waiting.js';
import { app_status_ready } from '../paraglide/messages/app_status_ready.js';
import { app_status_connected } from '../paraglide/messages/app_status_connected.js';
import { app_status_closed } from '../paraglide/messages/app_status_closed.js';
import { app_status_expired } from '../paraglide/messages/app_status_expired.js';
import { app_scheduled_when } from '../paraglide/messages/app_scheduled_when.js';
import { app_expires_when } from '../paraglide/messages/app_expires_when.js';
import { app_synced_when } from '../paraglide/messages/app_synced_when.js';
import { app_never_synced } from '../paraglide/messages/app_never_synced.js';
import { app_offline } from '../paraglide/messages/app_offline.js';
import { app_syncing } from '../paraglide/messages/app_syncing.js';
import { app_sync_error } from '../paraglide/messages/app_sync_error.js';
import { app_online } from '../paraglide/messages/app_online.js';
import { app_loading_requests } from '../paraglide/messages/app_loading_requests.js';
import { app_nav_main } from '../paraglide/messages/app_nav_main.js';
import { app_nav_requests } from '../paraglide/messages/app_nav_requests.js';
import { app_nav_admin } from '../paraglide/messages/app_nav_admin.js';
import { app_sign_out } from '../paraglide/messages/app_sign_out.js';
import { app_update_available } from '../paraglide/messages/app_update_available.js';
import { app_reload } from '../paraglide/messages/app_reload.js';
import { app_later } from '../paraglide/messages/app_later.js';
import { app_cancel } from '../paraglide/messages/app_cancel.js';
import { app_dismiss } from '../paraglide/messages/app_dismiss.js';
import { app_pending_one } from '../paraglide/messages/app_pending_one.js';
import { app_pending_many } from '../paraglide/messages/app_pending_many.js';
import { app_requests_loaded } from '../paraglide/messages/app_requests_loaded.js';
import { app_offline_ready } from '../paraglide/messages/app_offline_ready.js';
import { app_loading_what } from '../paraglide/messages/app_loading_what.js';
import { app_load_failed } from '../paraglide/messages/app_load_failed.js';
import { app_try_again } from '../paraglide/messages/app_try_again.js';
import { app_loading } from '../paraglide/messages/app_loading.js';
import { app_title_reports } from '../paraglide/messages/app_title_reports.js';
import { app_err_required } from '../paraglide/messages/app_err_required.js';
import { app_err_too_long } from '../paraglide/messages/app_err_too_long.js';
import { app_err_too_short } from '../paraglide/messages/app_err_too_short.js';
import { app_err_too_small_number } from '../paraglide/messages/app_err_too_small_number.js';
import { app_err_too_big_number } from '../paraglide/messages/app_err_too_big_number.js';
import { app_err_email } from '../paraglide/messages/app_err_email.js';
import { app_err_url } from '../paraglide/messages/app_err_url.js';
import { app_err_choice } from '../paraglide/messages/app_err_choice.js';
import { app_err_invalid } from '../paraglide/messages/app_err_invalid.js';
import { app_err_forbidden } from '../paraglide/messages/app_err_forbidden.js';
import { app_err_not_found } from '../paraglide/messages/app_err_not_found.js';
import { app_err_conflict } from '../paraglide/messages/app_err_conflict.js';
import { app_err_rate_limited } from '../paraglide/messages/app_err_rate_limited.js';
import { app_err_unauthenticated } from '../paraglide/messages/app_err_unauthenticated.js';
import { app_err_protocol } from '../paraglide/messages/app_err_protocol.js';
import { app_err_network } from '../paraglide/messages/app_err_network.js';
import { app_err_credentials } from '../paraglide/messages/app_err_credentials.js';
import { app_signin_offline } from '../paraglide/messages/app_signin_offline.js';
import { app_signin_title } from '../paraglide/messages/app_signin_title.js';
import { app_email } from '../paraglide/messages/app_email.js';
import { app_password } from '../paraglide/messages/app_password.js';
import { app_signing_in } from '../paraglide/messages/app_signing_in.js';
import { app_sign_in } from '../paraglide/messages/app_sign_in.js';
import { app_not_opened } from '../paraglide/messages/app_not_opened.js';
import { app_online_now } from '../paraglide/messages/app_online_now.js';
import { app_last_seen } from '../paraglide/messages/app_last_seen.js';
import { app_expires_title } from '../paraglide/messages/app_expires_title.js';
import { app_expires_scheduled_title } from '../paraglide/messages/app_expires_scheduled_title.js';
import { app_not_synced } from '../paraglide/messages/app_not_synced.js';
import { app_pending } from '../paraglide/messages/app_pending.js';
import { app_no_match } from '../paraglide/messages/app_no_match.js';
import { app_needs_attention } from '../paraglide/messages/app_needs_attention.js';
import { app_request_fallback } from '../paraglide/messages/app_request_fallback.js';
import { app_not_applied } from '../paraglide/messages/app_not_applied.js';
import { app_act_create } from '../paraglide/messages/app_act_create.js';
import { app_act_edit } from '../paraglide/messages/app_act_edit.js';
import { app_act_reassign } from '../paraglide/messages/app_act_reassign.js';
import { app_act_take } from '../paraglide/messages/app_act_take.js';
import { app_act_connect } from '../paraglide/messages/app_act_connect.js';
import { app_act_start_session } from '../paraglide/messages/app_act_start_session.js';
import { app_act_end_session } from '../paraglide/messages/app_act_end_session.js';
import { app_act_close } from '../paraglide/messages/app_act_close.js';
import { app_act_reopen } from '../paraglide/messages/app_act_reopen.js';
import { app_act_extend } from '../paraglide/messages/app_act_extend.js';
import { app_act_regenerate } from '../paraglide/messages/app_act_regenerate.js';
import { app_title_requests } from '../paraglide/messages/app_title_requests.js';
import { app_title_account } from '../paraglide/messages/app_title_account.js';
import { app_title_admin } from '../paraglide/messages/app_title_admin.js';
import { app_admins_only } from '../paraglide/messages/app_admins_only.js';
import { app_admins_only_text } from '../paraglide/messages/app_admins_only_text.js';
import { app_back_to_requests } from '../paraglide/messages/app_back_to_requests.js';
import { app_session_ended_notice } from '../paraglide/messages/app_session_ended_notice.js';
import { app_sync_update_required } from '../paraglide/messages/app_sync_update_required.js';
import { app_sync_quota } from '../paraglide/messages/app_sync_quota.js';
import { app_sync_unreachable } from '../paraglide/messages/app_sync_unreachable.js';
import { app_sync_failed } from '../paraglide/messages/app_sync_failed.js';

export const a = {
	me: bind(app_me),
	agent: bind(app_agent),
	queueNamed: bind(app_queue_named),
	unassigned: bind(app_unassigned),
	requestsHeading: bind(app_requests_heading),
	newRequest: bind(app_new_request),
	viewOnly: bind(app_view_only),
	search: bind(app_search),
	searchPlaceholder: bind(app_search_placeholder),
	status: bind(app_status),
	allStatuses: bind(app_all_statuses),
	assignee: bind(app_assignee),
	anyone: bind(app_anyone),
	when: bind(app_when),
	anyTime: bind(app_any_time),
	upcoming: bind(app_upcoming),
	past: bind(app_past),
	sortBy: bind(app_sort_by),
	sortNewest: bind(app_sort_newest),
	sortScheduled: bind(app_sort_scheduled),
	sortExpiry: bind(app_sort_expiry),
	count: bind(app_count),
	selectHint: bind(app_select_hint),
	theRequest: bind(app_the_request),
	theForm: bind(app_the_form),
	sessionRequestsLabel: bind(app_session_requests_label),
	statusOpen: bind(app_status_open),
	statusWaiting: bind(app_status_waiting),
	statusReady: bind(app_status_ready),
	statusConnected: bind(app_status_connected),
	statusClosed: bind(app_status_closed),
	statusExpired: bind(app_status_expired),
	scheduledWhen: bind(app_scheduled_when),
	expiresWhen: bind(app_expires_when),
	syncedWhen: bind(app_synced_when),
	neverSynced: bind(app_never_synced),
	offline: bind(app_offline),
	syncing: bind(app_syncing),
	syncError: bind(app_sync_error),
	online: bind(app_online),
	loadingRequests: bind(app_loading_requests),
	navMain: bind(app_nav_main),
	navRequests: bind(app_nav_requests),
	navAdmin: bind(app_nav_admin),
	signOut: bind(app_sign_out),
	updateAvailable: bind(app_update_available),
	reload: bind(app_reload),
	later: bind(app_later),
	cancel: bind(app_cancel),
	dismiss: bind(app_dismiss),
	pendingOne: bind(app_pending_one),
	pendingMany: bind(app_pending_many),
	requestsLoaded: bind(app_requests_loaded),
	offlineReady: bind(app_offline_ready),
	loadingWhat: bind(app_loading_what),
	loadFailed: bind(app_load_failed),
	tryAgain: bind(app_try_again),
	loading: bind(app_loading),
	errRequired: bind(app_err_required),
	errTooLong: bind(app_err_too_long),
	errTooShort: bind(app_err_too_short),
	errTooSmallNumber: bind(app_err_too_small_number),
	errTooBigNumber: bind(app_err_too_big_number),
	errEmail: bind(app_err_email),
	errUrl: bind(app_err_url),
	errChoice: bind(app_err_choice),
	errInvalid: bind(app_err_invalid),
	errForbidden: bind(app_err_forbidden),
	errNotFound: bind(app_err_not_found),
	errConflict: bind(app_err_conflict),
	errRateLimited: bind(app_err_rate_limited),
	errUnauthenticated: bind(app_err_unauthenticated),
	errProtocol: bind(app_err_protocol),
	errNetwork: bind(app_err_network),
	errCredentials: bind(app_err_credentials),
	signinOffline: bind(app_signin_offline),
	signinTitle: bind(app_signin_title),
	email: bind(app_email),
	password: bind(app_password),
	signingIn: bind(app_signing_in),
	signIn: bind(app_sign_in),
	notOpened: bind(app_not_opened),
	onlineNow: bind(app_online_now),
	lastSeen: bind(app_last_seen),
	expiresTitle: bind(app_expires_title),
	expiresScheduledTitle: bind(app_expires_scheduled_title),
	notSynced: bind(app_not_synced),
	pending: bind(app_pending),
	noMatch: bind(app_no_match),
	needsAttention: bind(app_needs_attention),
	requestFallback: bind(app_request_fallback),
	notApplied: bind(app_not_applied),
	actCreate: bind(app_act_create),
	actEdit: bind(app_act_edit),
	actReassign: bind(app_act_reassign),
	actTake: bind(app_act_take),
	actConnect: bind(app_act_connect),
	actStartSession: bind(app_act_start_session),
	actEndSession: bind(app_act_end_session),
	actClose: bind(app_act_close),
	actReopen: bind(app_act_reopen),
	actExtend: bind(app_act_extend),
	actRegenerate: bind(app_act_regenerate),
	titleRequests: bind(app_title_requests),
	titleAccount: bind(app_title_account),
	titleReports: bind(app_title_reports),
	titleAdmin: bind(app_title_admin),
	adminsOnly: bind(app_admins_only),
	adminsOnlyText: bind(app_admins_only_text),
	backToRequests: bind(app_back_to_requests),
	sessionEndedNotice: bind(app_session_ended_notice),
	syncUpdateRequired: bind(app_sync_update_required),
	syncQuota: bind(app_sync_quota),
	syncUnreachable: bind(app_sync_unreachable),
	syncFailed: bind(app_sync_failed)
};
