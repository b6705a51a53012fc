/**
 * How each side's browser reaches the other through the server: the end user with the session
 * link (`link.*`), the agent with their own session (`requests.*`). The peers see one interface.
 */
import type { Api } from '../../client/api';
import { sessionKeyFor } from './session-key';
import type { SignalEnvelope, SignalMessage } from './signal-protocol';

export interface SignalHandlers {
	/** The stream is open (again): the moment to say hello. */
	onOpen(): void;
	onMessage(envelope: SignalEnvelope): void;
	/** The server ended the stream: the session is over for this side, or it was refused. */
	onClose(error: unknown): void;
}

export interface SignalTransport {
	iceServers(): Promise<RTCIceServer[]>;
	send(message: SignalMessage): Promise<unknown>;
	/** Listens until the returned function is called or the server ends the stream. */
	listen(handlers: SignalHandlers): () => void;
	/** The end user removes an invited colleague from the session (the end user's side only). */
	removeAgent?(userId: string): Promise<unknown>;
}

type Subscribe = (callbacks: {
	onStarted: () => void;
	onData: (event: { id: string; data: SignalEnvelope }) => void;
	onError: (error: unknown) => void;
	onComplete: () => void;
}) => { unsubscribe(): void };

function listenWith(subscribe: Subscribe, handlers: SignalHandlers) {
	let stopped = false;
	const subscription = subscribe({
		onStarted: () => handlers.onOpen(),
		onData: (event) => handlers.onMessage(event.data),
		onError: (error) => {
			if (!stopped) handlers.onClose(error);
		},
		onComplete: () => {
			if (!stopped) handlers.onClose(null);
		}
	});
	return () => {
		stopped = true;
		subscription.unsubscribe();
	};
}

/** The end user's side: every call carries the key this page got when it allowed the session. */
export function endUserTransport(api: Api, token: string): SignalTransport {
	const sessionKey = () => sessionKeyFor(token);
	return {
		iceServers: async () =>
			(await api.link.session.query({ token, sessionKey: sessionKey() })).iceServers,
		send: (message) => api.link.signal.mutate({ token, message, sessionKey: sessionKey() }),
		removeAgent: (userId) =>
			api.link.removeAgent.mutate({ token, userId, sessionKey: sessionKey() }),
		listen: (handlers) =>
			listenWith(
				(callbacks) => api.link.signals.subscribe({ token, sessionKey: sessionKey() }, callbacks),
				handlers
			)
	};
}

export function agentTransport(api: Api, id: string): SignalTransport {
	return {
		iceServers: async () => (await api.requests.session.query({ id })).iceServers,
		send: (message) => api.requests.signal.mutate({ id, message }),
		listen: (handlers) =>
			listenWith((callbacks) => api.requests.signals.subscribe({ id }, callbacks), handlers)
	};
}
