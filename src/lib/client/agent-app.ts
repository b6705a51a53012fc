/**
 * The one `AgentApp` of this tab, shared by the requests page and /admin, so moving between them
 * keeps the sync engine, its live stream and the outbox running instead of starting them again.
 */
import { AgentApp } from './app-state.svelte';

let instance: AgentApp | null = null;

export function agentApp(): AgentApp {
	if (!instance) {
		instance = new AgentApp();
		void instance.boot();
	}
	return instance;
}
