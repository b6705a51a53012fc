import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

export const prerender = false;

/** Liveness: the process answers. */
export const GET: RequestHandler = () => json({ status: 'ok' });
