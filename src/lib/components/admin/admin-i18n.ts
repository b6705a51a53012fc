/** Every message in the agent's language, for the admin screens (their own chunk). */
import { translator } from '../../link/i18n';
import { agentLocale } from '../agent-i18n';

export const t = translator(agentLocale);
