import { building } from '$app/environment';
import type { ServerInit } from '@sveltejs/kit';
import { startBeckon } from '$server/runtime';

export const init: ServerInit = async () => {
	if (!building) await startBeckon();
};
