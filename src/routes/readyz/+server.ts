import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { readiness } from '$server/health';
import { currentBeckon } from '$server/runtime';

export const prerender = false;

/** Readiness: the database is reachable and migrated. */
export const GET: RequestHandler = () => {
	const result = readiness(currentBeckon());
	return json(result, { status: result.ready ? 200 : 503 });
};
