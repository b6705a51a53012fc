/**
 * Who receives a request's session link. The link is the end user's credential: whoever holds
 * it can open the page, answer a connect request, decline (which emails the end user) and take
 * part in the live session. It goes only to those who may act on the request — admins and agents
 * with edit permission, on the requests they can see — and never to view-only agents, in any
 * answer or pull.
 */
import { canEdit } from '../../lib/domain/rules';
import type { AuthUser } from './users';

export const mayHoldLink = (user: Pick<AuthUser, 'role' | 'permission'>) => canEdit(user);

/** `request` as `user` may see it: without its link unless they may act on it. */
export function withLinkFor<T extends { link: string | null }>(
	user: Pick<AuthUser, 'role' | 'permission'>,
	request: T
): T {
	return mayHoldLink(user) || request.link === null ? request : { ...request, link: null };
}
