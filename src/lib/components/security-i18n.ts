/**
 * The sign-in's second step and the account screen's strings, in the agent's language. Imported
 * one by one (not the whole message index), so the requests page loads only these.
 */
import { bindMessage as bind } from './agent-i18n';
import { security_code_heading } from '../paraglide/messages/security_code_heading.js';
import { security_code_prompt } from '../paraglide/messages/security_code_prompt.js';
import { security_code_label } from '../paraglide/messages/security_code_label.js';
import { security_verify } from '../paraglide/messages/security_verify.js';
import { security_use_recovery } from '../paraglide/messages/security_use_recovery.js';
import { security_use_app } from '../paraglide/messages/security_use_app.js';
import { security_recovery_label } from '../paraglide/messages/security_recovery_label.js';
import { security_enrol_required } from '../paraglide/messages/security_enrol_required.js';
import { security_enrol_scan } from '../paraglide/messages/security_enrol_scan.js';
import { security_secret_label } from '../paraglide/messages/security_secret_label.js';
import { security_qr_alt } from '../paraglide/messages/security_qr_alt.js';
import { security_confirm } from '../paraglide/messages/security_confirm.js';
import { security_codes_heading } from '../paraglide/messages/security_codes_heading.js';
import { security_codes_help } from '../paraglide/messages/security_codes_help.js';
import { security_codes_done } from '../paraglide/messages/security_codes_done.js';
import { security_back } from '../paraglide/messages/security_back.js';
import { security_nav } from '../paraglide/messages/security_nav.js';
import { security_title } from '../paraglide/messages/security_title.js';
import { security_2fa_on } from '../paraglide/messages/security_2fa_on.js';
import { security_2fa_off } from '../paraglide/messages/security_2fa_off.js';
import { security_2fa_required } from '../paraglide/messages/security_2fa_required.js';
import { security_setup } from '../paraglide/messages/security_setup.js';
import { security_disable } from '../paraglide/messages/security_disable.js';
import { security_regenerate } from '../paraglide/messages/security_regenerate.js';
import { security_code_for_change } from '../paraglide/messages/security_code_for_change.js';
import { security_cancel } from '../paraglide/messages/security_cancel.js';
import { security_devices_heading } from '../paraglide/messages/security_devices_heading.js';
import { security_devices_help } from '../paraglide/messages/security_devices_help.js';
import { security_this_device } from '../paraglide/messages/security_this_device.js';
import { security_last_seen } from '../paraglide/messages/security_last_seen.js';
import { security_signed_in_from } from '../paraglide/messages/security_signed_in_from.js';
import { security_sign_out_device } from '../paraglide/messages/security_sign_out_device.js';
import { security_unknown_browser } from '../paraglide/messages/security_unknown_browser.js';
import { security_offline } from '../paraglide/messages/security_offline.js';
import { security_wrong_code } from '../paraglide/messages/security_wrong_code.js';

export const s = {
	codeHeading: bind(security_code_heading),
	codePrompt: bind(security_code_prompt),
	codeLabel: bind(security_code_label),
	verify: bind(security_verify),
	useRecovery: bind(security_use_recovery),
	useApp: bind(security_use_app),
	recoveryLabel: bind(security_recovery_label),
	enrolRequired: bind(security_enrol_required),
	enrolScan: bind(security_enrol_scan),
	secretLabel: bind(security_secret_label),
	qrAlt: bind(security_qr_alt),
	confirm: bind(security_confirm),
	codesHeading: bind(security_codes_heading),
	codesHelp: bind(security_codes_help),
	codesDone: bind(security_codes_done),
	back: bind(security_back),
	nav: bind(security_nav),
	title: bind(security_title),
	twoFactorOn: bind(security_2fa_on),
	twoFactorOff: bind(security_2fa_off),
	twoFactorRequired: bind(security_2fa_required),
	setup: bind(security_setup),
	disable: bind(security_disable),
	regenerate: bind(security_regenerate),
	codeForChange: bind(security_code_for_change),
	cancel: bind(security_cancel),
	devicesHeading: bind(security_devices_heading),
	devicesHelp: bind(security_devices_help),
	thisDevice: bind(security_this_device),
	lastSeen: bind(security_last_seen),
	signedInFrom: bind(security_signed_in_from),
	signOutDevice: bind(security_sign_out_device),
	unknownBrowser: bind(security_unknown_browser),
	offline: bind(security_offline),
	wrongCode: bind(security_wrong_code)
};

/** A refused code in the agent's language; other refusals (a wait, an expired sign-in) as sent. */
export function codeFailure(error: unknown): string {
	const data = (error as { data?: { reason?: string; field?: string } } | null)?.data;
	if (
		data?.reason === 'unauthenticated' &&
		(data.field === 'code' || data.field === 'recoveryCode')
	) {
		return s.wrongCode();
	}
	return error instanceof Error ? error.message : String(error);
}
