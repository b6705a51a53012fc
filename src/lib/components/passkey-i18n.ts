/**
 * The passkeys' strings of the sign-in screen in the agent's language, imported one by one as
 * security-i18n.ts does; the account screen's are in passkey-settings-i18n.ts, so the requests
 * page (which carries the sign-in screen) loads only these.
 */
import { bindMessage as bind } from './agent-i18n';
import { passkey_sign_in } from '../paraglide/messages/passkey_sign_in.js';
import { passkey_use } from '../paraglide/messages/passkey_use.js';
import { passkey_second_prompt } from '../paraglide/messages/passkey_second_prompt.js';
import { passkey_enrol_instead } from '../paraglide/messages/passkey_enrol_instead.js';
import { passkey_cancelled } from '../paraglide/messages/passkey_cancelled.js';

export const p = {
	signIn: bind(passkey_sign_in),
	use: bind(passkey_use),
	secondPrompt: bind(passkey_second_prompt),
	enrolInstead: bind(passkey_enrol_instead),
	cancelled: bind(passkey_cancelled)
};
