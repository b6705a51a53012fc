import type { ClientInit } from '@sveltejs/kit';

/** zod keeps its global configuration in this object, made by the first zod module to load. */
const global = globalThis as unknown as { __zod_globalConfig?: { jitless?: boolean } };

export const init: ClientInit = () => {
	// zod probes `new Function` to speed up parsing; the Content-Security-Policy forbids eval,
	// and the refused probe would be reported as a violation. Parse without it. Set on zod's
	// global configuration (what `z.config({ jitless: true })` writes) before zod loads: zod is
	// not part of the first screen (README, Performance row 7), so the hook must not import it.
	(global.__zod_globalConfig ??= {}).jitless = true;
};
