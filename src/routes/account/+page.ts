import { agentLocale } from '$lib/components/agent-i18n';
import { loadMessages } from '$lib/link/message-tables';
import type { PageLoad } from './$types';

// The account screen's messages in the agent's language (+layout.ts loads the first screen's).
export const load: PageLoad = () => loadMessages(agentLocale, 'app');
