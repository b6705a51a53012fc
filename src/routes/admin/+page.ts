import { agentLocale } from '$lib/components/agent-i18n';
import { loadMessages } from '$lib/link/message-tables';
import type { PageLoad } from './$types';

// The rest of the agent app's messages and what only the admin and reports screens say, in the
// agent's language (+layout.ts loads the first screen's).
export const load: PageLoad = () => loadMessages(agentLocale, 'app', 'admin');
