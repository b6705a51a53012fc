/** Every message in the agent's language, for the reports page (its own route and chunk). */
import { translator } from '../../link/i18n';
import { agentLocale } from '../agent-i18n';

export const t = translator(agentLocale);
