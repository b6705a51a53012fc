/**
 * The account screen's passkey strings in the agent's language (see passkey-i18n.ts).
 */
import { bindMessage as bind } from './agent-i18n';
import { passkey_heading } from '../paraglide/messages/passkey_heading.js';
import { passkey_help } from '../paraglide/messages/passkey_help.js';
import { passkey_none } from '../paraglide/messages/passkey_none.js';
import { passkey_add } from '../paraglide/messages/passkey_add.js';
import { passkey_name_label } from '../paraglide/messages/passkey_name_label.js';
import { passkey_created } from '../paraglide/messages/passkey_created.js';
import { passkey_last_used } from '../paraglide/messages/passkey_last_used.js';
import { passkey_never_used } from '../paraglide/messages/passkey_never_used.js';
import { passkey_synced } from '../paraglide/messages/passkey_synced.js';
import { passkey_rename } from '../paraglide/messages/passkey_rename.js';
import { passkey_save } from '../paraglide/messages/passkey_save.js';
import { passkey_remove } from '../paraglide/messages/passkey_remove.js';
import { passkey_remove_confirm } from '../paraglide/messages/passkey_remove_confirm.js';
import { passkey_unsupported } from '../paraglide/messages/passkey_unsupported.js';

export const ps = {
	heading: bind(passkey_heading),
	help: bind(passkey_help),
	none: bind(passkey_none),
	add: bind(passkey_add),
	nameLabel: bind(passkey_name_label),
	created: bind(passkey_created),
	lastUsed: bind(passkey_last_used),
	neverUsed: bind(passkey_never_used),
	synced: bind(passkey_synced),
	rename: bind(passkey_rename),
	save: bind(passkey_save),
	remove: bind(passkey_remove),
	removeConfirm: bind(passkey_remove_confirm),
	unsupported: bind(passkey_unsupported)
};
