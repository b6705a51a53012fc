/**
 * What the service worker tells the page: the agent clicked the notification of `requestId`.
 * (A file of its own, so the service worker imports no page code.)
 */
export const OPEN_REQUEST_MESSAGE = 'beckon:open-request';

export interface OpenRequestMessage {
	type: typeof OPEN_REQUEST_MESSAGE;
	requestId: string;
}
