/**
 * The strings only the lazily loaded panes use (a request's detail, the create and edit forms,
 * the live session, the account's language), so they load with those panes and not with the
 * requests page's first screen; with every string of app-i18n.ts.
 */
import { bindMessage as bind } from './agent-i18n';
import { a as first } from './app-i18n';
import { app_language_heading } from '../paraglide/messages/app_language_heading.js';
import { app_language_help } from '../paraglide/messages/app_language_help.js';
import { app_language_label } from '../paraglide/messages/app_language_label.js';
import { app_language_browser } from '../paraglide/messages/app_language_browser.js';
import { app_language_save } from '../paraglide/messages/app_language_save.js';
import { app_language_offline } from '../paraglide/messages/app_language_offline.js';
import { app_sv_forbidden } from '../paraglide/messages/app_sv_forbidden.js';
import { app_sv_confirming } from '../paraglide/messages/app_sv_confirming.js';
import { app_sv_gone } from '../paraglide/messages/app_sv_gone.js';
import { app_sv_unreachable } from '../paraglide/messages/app_sv_unreachable.js';
import { app_session_link } from '../paraglide/messages/app_session_link.js';
import { app_copied } from '../paraglide/messages/app_copied.js';
import { app_copy_link } from '../paraglide/messages/app_copy_link.js';
import { app_link_copied } from '../paraglide/messages/app_link_copied.js';
import { app_qr_alt } from '../paraglide/messages/app_qr_alt.js';
import { app_qr_caption } from '../paraglide/messages/app_qr_caption.js';
import { app_you } from '../paraglide/messages/app_you.js';
import { app_an_agent } from '../paraglide/messages/app_an_agent.js';
import { app_a_queue } from '../paraglide/messages/app_a_queue.js';
import { app_already_assigned } from '../paraglide/messages/app_already_assigned.js';
import { app_not_member } from '../paraglide/messages/app_not_member.js';
import { app_not_opened_yet } from '../paraglide/messages/app_not_opened_yet.js';
import { app_waiting_allow } from '../paraglide/messages/app_waiting_allow.js';
import { app_connect_first } from '../paraglide/messages/app_connect_first.js';
import { app_not_in_status } from '../paraglide/messages/app_not_in_status.js';
import { app_not_asked_connect } from '../paraglide/messages/app_not_asked_connect.js';
import { app_ev_help_page } from '../paraglide/messages/app_ev_help_page.js';
import { app_ev_created } from '../paraglide/messages/app_ev_created.js';
import { app_ev_updated } from '../paraglide/messages/app_ev_updated.js';
import { app_ev_assigned } from '../paraglide/messages/app_ev_assigned.js';
import { app_ev_taken } from '../paraglide/messages/app_ev_taken.js';
import { app_ev_link_opened } from '../paraglide/messages/app_ev_link_opened.js';
import { app_ev_connect_requested } from '../paraglide/messages/app_ev_connect_requested.js';
import { app_ev_access_allowed } from '../paraglide/messages/app_ev_access_allowed.js';
import { app_ev_access_denied } from '../paraglide/messages/app_ev_access_denied.js';
import { app_ev_declined } from '../paraglide/messages/app_ev_declined.js';
import { app_ev_session_started } from '../paraglide/messages/app_ev_session_started.js';
import { app_ev_session_ended } from '../paraglide/messages/app_ev_session_ended.js';
import { app_ev_closed } from '../paraglide/messages/app_ev_closed.js';
import { app_ev_expired } from '../paraglide/messages/app_ev_expired.js';
import { app_ev_reopened } from '../paraglide/messages/app_ev_reopened.js';
import { app_ev_expiry_extended } from '../paraglide/messages/app_ev_expiry_extended.js';
import { app_ev_link_regenerated } from '../paraglide/messages/app_ev_link_regenerated.js';
import { app_ev_email_sent } from '../paraglide/messages/app_ev_email_sent.js';
import { app_ev_email_failed } from '../paraglide/messages/app_ev_email_failed.js';
import { app_close_details } from '../paraglide/messages/app_close_details.js';
import { app_not_yet_synced } from '../paraglide/messages/app_not_yet_synced.js';
import { app_changes_waiting } from '../paraglide/messages/app_changes_waiting.js';
import { app_invitation_by_email } from '../paraglide/messages/app_invitation_by_email.js';
import { app_no_email } from '../paraglide/messages/app_no_email.js';
import { app_assigned_to } from '../paraglide/messages/app_assigned_to.js';
import { app_scheduled } from '../paraglide/messages/app_scheduled.js';
import { app_expires } from '../paraglide/messages/app_expires.js';
import { app_end_user } from '../paraglide/messages/app_end_user.js';
import { app_language } from '../paraglide/messages/app_language.js';
import { app_created } from '../paraglide/messages/app_created.js';
import { app_by_end_user_help } from '../paraglide/messages/app_by_end_user_help.js';
import { app_by_name } from '../paraglide/messages/app_by_name.js';
import { app_comments } from '../paraglide/messages/app_comments.js';
import { app_closed } from '../paraglide/messages/app_closed.js';
import { app_closed_completed } from '../paraglide/messages/app_closed_completed.js';
import { app_closed_by_agent } from '../paraglide/messages/app_closed_by_agent.js';
import { app_closed_declined } from '../paraglide/messages/app_closed_declined.js';
import { app_view_only_detail } from '../paraglide/messages/app_view_only_detail.js';
import { app_actions } from '../paraglide/messages/app_actions.js';
import { app_close_request } from '../paraglide/messages/app_close_request.js';
import { app_reassign_to } from '../paraglide/messages/app_reassign_to.js';
import { app_choose } from '../paraglide/messages/app_choose.js';
import { app_new_expiry } from '../paraglide/messages/app_new_expiry.js';
import { app_reopen_hint } from '../paraglide/messages/app_reopen_hint.js';
import { app_timeline } from '../paraglide/messages/app_timeline.js';
import { app_timeline_offline } from '../paraglide/messages/app_timeline_offline.js';
import { app_create_title } from '../paraglide/messages/app_create_title.js';
import { app_create_description } from '../paraglide/messages/app_create_description.js';
import { app_recipient_name } from '../paraglide/messages/app_recipient_name.js';
import { app_recipient_email } from '../paraglide/messages/app_recipient_email.js';
import { app_send_invitation } from '../paraglide/messages/app_send_invitation.js';
import { app_email_language } from '../paraglide/messages/app_email_language.js';
import { app_schedule } from '../paraglide/messages/app_schedule.js';
import { app_scheduled_time } from '../paraglide/messages/app_scheduled_time.js';
import { app_assign_to } from '../paraglide/messages/app_assign_to.js';
import { app_queues } from '../paraglide/messages/app_queues.js';
import { app_agents } from '../paraglide/messages/app_agents.js';
import { app_create_request } from '../paraglide/messages/app_create_request.js';
import { app_edit_title } from '../paraglide/messages/app_edit_title.js';
import { app_edit_description } from '../paraglide/messages/app_edit_description.js';
import { app_save_changes } from '../paraglide/messages/app_save_changes.js';
import { app_live_session } from '../paraglide/messages/app_live_session.js';
import { app_sv_joining } from '../paraglide/messages/app_sv_joining.js';
import { app_sv_waiting } from '../paraglide/messages/app_sv_waiting.js';
import { app_sv_connecting } from '../paraglide/messages/app_sv_connecting.js';
import { app_sv_connected } from '../paraglide/messages/app_sv_connected.js';
import { app_sv_ended } from '../paraglide/messages/app_sv_ended.js';
import { app_sv_reconnecting } from '../paraglide/messages/app_sv_reconnecting.js';
import { app_sv_screen_by } from '../paraglide/messages/app_sv_screen_by.js';
import { app_sv_caption } from '../paraglide/messages/app_sv_caption.js';
import { app_chat_message } from '../paraglide/messages/app_chat_message.js';
import { app_chat_send } from '../paraglide/messages/app_chat_send.js';
import { app_chat_empty } from '../paraglide/messages/app_chat_empty.js';
import { app_chat_you } from '../paraglide/messages/app_chat_you.js';

export const a = {
	...first,
	languageHeading: bind(app_language_heading),
	languageHelp: bind(app_language_help),
	languageLabel: bind(app_language_label),
	languageBrowser: bind(app_language_browser),
	languageSave: bind(app_language_save),
	languageOffline: bind(app_language_offline),
	svForbidden: bind(app_sv_forbidden),
	svConfirming: bind(app_sv_confirming),
	svGone: bind(app_sv_gone),
	svUnreachable: bind(app_sv_unreachable),
	sessionLink: bind(app_session_link),
	copied: bind(app_copied),
	copyLink: bind(app_copy_link),
	linkCopied: bind(app_link_copied),
	qrAlt: bind(app_qr_alt),
	qrCaption: bind(app_qr_caption),
	you: bind(app_you),
	anAgent: bind(app_an_agent),
	aQueue: bind(app_a_queue),
	alreadyAssigned: bind(app_already_assigned),
	notMember: bind(app_not_member),
	notOpenedYet: bind(app_not_opened_yet),
	waitingAllow: bind(app_waiting_allow),
	connectFirst: bind(app_connect_first),
	notInStatus: bind(app_not_in_status),
	notAskedConnect: bind(app_not_asked_connect),
	evHelpPage: bind(app_ev_help_page),
	evCreated: bind(app_ev_created),
	evUpdated: bind(app_ev_updated),
	evAssigned: bind(app_ev_assigned),
	evTaken: bind(app_ev_taken),
	evLinkOpened: bind(app_ev_link_opened),
	evConnectRequested: bind(app_ev_connect_requested),
	evAccessAllowed: bind(app_ev_access_allowed),
	evAccessDenied: bind(app_ev_access_denied),
	evDeclined: bind(app_ev_declined),
	evSessionStarted: bind(app_ev_session_started),
	evSessionEnded: bind(app_ev_session_ended),
	evClosed: bind(app_ev_closed),
	evExpired: bind(app_ev_expired),
	evReopened: bind(app_ev_reopened),
	evExpiryExtended: bind(app_ev_expiry_extended),
	evLinkRegenerated: bind(app_ev_link_regenerated),
	evEmailSent: bind(app_ev_email_sent),
	evEmailFailed: bind(app_ev_email_failed),
	closeDetails: bind(app_close_details),
	notYetSynced: bind(app_not_yet_synced),
	changesWaiting: bind(app_changes_waiting),
	invitationByEmail: bind(app_invitation_by_email),
	noEmail: bind(app_no_email),
	assignedTo: bind(app_assigned_to),
	scheduled: bind(app_scheduled),
	expires: bind(app_expires),
	endUser: bind(app_end_user),
	language: bind(app_language),
	created: bind(app_created),
	byEndUserHelp: bind(app_by_end_user_help),
	byName: bind(app_by_name),
	comments: bind(app_comments),
	closed: bind(app_closed),
	closedCompleted: bind(app_closed_completed),
	closedByAgent: bind(app_closed_by_agent),
	closedDeclined: bind(app_closed_declined),
	viewOnlyDetail: bind(app_view_only_detail),
	actions: bind(app_actions),
	closeRequest: bind(app_close_request),
	reassignTo: bind(app_reassign_to),
	choose: bind(app_choose),
	newExpiry: bind(app_new_expiry),
	reopenHint: bind(app_reopen_hint),
	timeline: bind(app_timeline),
	timelineOffline: bind(app_timeline_offline),
	createTitle: bind(app_create_title),
	createDescription: bind(app_create_description),
	recipientName: bind(app_recipient_name),
	recipientEmail: bind(app_recipient_email),
	sendInvitation: bind(app_send_invitation),
	emailLanguage: bind(app_email_language),
	schedule: bind(app_schedule),
	scheduledTime: bind(app_scheduled_time),
	assignTo: bind(app_assign_to),
	queues: bind(app_queues),
	agents: bind(app_agents),
	createRequest: bind(app_create_request),
	editTitle: bind(app_edit_title),
	editDescription: bind(app_edit_description),
	saveChanges: bind(app_save_changes),
	liveSession: bind(app_live_session),
	svJoining: bind(app_sv_joining),
	svWaiting: bind(app_sv_waiting),
	svConnecting: bind(app_sv_connecting),
	svConnected: bind(app_sv_connected),
	svEnded: bind(app_sv_ended),
	svReconnecting: bind(app_sv_reconnecting),
	svScreenBy: bind(app_sv_screen_by),
	svCaption: bind(app_sv_caption),
	chatMessage: bind(app_chat_message),
	chatSend: bind(app_chat_send),
	chatEmpty: bind(app_chat_empty),
	chatYou: bind(app_chat_you)
};
