/**
 * Whether a first screen of the agent app is up (`AgentApp.afterFirstScreen`): what waits for it
 * (the service worker's registration, UpdatePrompt) imports only this, not the app.
 */
let shown: () => void = () => undefined;

/** Resolves once a first screen of the agent app has been painted. */
export const firstScreenShown = new Promise<void>((resolve) => (shown = resolve));

export function markFirstScreenShown() {
	shown();
}
