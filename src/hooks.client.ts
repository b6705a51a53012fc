import type { ClientInit } from '@sveltejs/kit';
import { z } from 'zod';

export const init: ClientInit = () => {
	// zod probes `new Function` to speed up parsing; the Content-Security-Policy forbids eval,
	// and the refused probe would be reported as a violation. Parse without it.
	z.config({ jitless: true });
};
