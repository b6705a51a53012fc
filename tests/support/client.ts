/**
 * A raw tRPC-over-HTTP client that speaks the public wire format (no transformer): queries by GET
 * with `?input=`, mutations by POST with a JSON body. Keeps its own session cookie.
 */
import { ERROR_CODE_OF, reasonOfCode, type ErrorReason } from '../../src/lib/sync/protocol';

export interface TrpcErrorBody {
	message: string;
	code: number;
	data: {
		code: string;
		httpStatus: number;
		path?: string;
		reason: ErrorReason;
		field?: string;
		detail?: string;
	};
}

export class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly body: TrpcErrorBody
	) {
		super(`${body.data.code}: ${body.message}`);
	}
	get code() {
		return this.body.data.code;
	}
	get reason() {
		return this.body.data.reason;
	}
}

/** Session keys by link token, as one end-user page keeps them (see ApiClient.sessionKeys). */
const ONE_PAGE = new Map<string, string>();

export class ApiClient {
	cookie: string | null = null;
	bearer: string | null = null;
	extraHeaders: Record<string, string> = {};
	/**
	 * Like the link page, a client keeps the session key each `link.respond` allow returns and
	 * sends it with its later `link.*` calls on that token. Clients share one page's keys unless
	 * given their own map (another page, another holder of the link).
	 */
	sessionKeys: Map<string, string> = ONE_PAGE;

	constructor(readonly baseUrl: string) {}

	/** `input` with the session key of its token, for a `link.*` call that gives none. */
	withSessionKey(path: string, input: unknown): unknown {
		if (!path.startsWith('link.') || typeof input !== 'object' || input === null) return input;
		const { token, sessionKey } = input as { token?: unknown; sessionKey?: unknown };
		const key = typeof token === 'string' ? this.sessionKeys.get(token) : undefined;
		return key === undefined || sessionKey !== undefined ? input : { ...input, sessionKey: key };
	}

	#remember(path: string, input: unknown, data: unknown) {
		const key = (data as { sessionKey?: unknown } | null)?.sessionKey;
		const token = (input as { token?: unknown } | null)?.token;
		if (path === 'link.respond' && typeof key === 'string' && typeof token === 'string') {
			this.sessionKeys.set(token, key);
		}
	}

	#headers(): Record<string, string> {
		const headers: Record<string, string> = { ...this.extraHeaders };
		if (this.cookie) headers.cookie = this.cookie;
		if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
		return headers;
	}

	async #read<T>(response: Response): Promise<T> {
		const setCookie = response.headers.getSetCookie();
		for (const cookie of setCookie) {
			const [pair] = cookie.split(';');
			this.cookie = pair.endsWith('=') ? null : pair;
		}
		const body = await response.json();
		if (body.error) throw new ApiError(response.status, body.error);
		return body.result.data as T;
	}

	async query<T = any>(path: string, input?: unknown): Promise<T> {
		input = this.withSessionKey(path, input);
		const qs = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
		return this.#read<T>(
			await fetch(`${this.baseUrl}/api/trpc/${path}${qs}`, { headers: this.#headers() })
		);
	}

	async mutate<T = any>(path: string, input?: unknown): Promise<T> {
		input = this.withSessionKey(path, input);
		const data = await this.#read<T>(
			await fetch(`${this.baseUrl}/api/trpc/${path}`, {
				method: 'POST',
				headers: { ...this.#headers(), 'content-type': 'application/json' },
				body: input === undefined ? undefined : JSON.stringify(input)
			})
		);
		this.#remember(path, input, data);
		return data;
	}

	async login(email: string, password: string) {
		return this.mutate('auth.login', { email, password });
	}
}

/** Whether `reason` is one an error with tRPC code `code` may carry. */
function reasonFits(code: string, reason: unknown) {
	if (reason === reasonOfCode(code)) return true;
	return Object.entries(ERROR_CODE_OF).some(([r, c]) => r === reason && c === code);
}

/**
 * Expects `promise` to fail with the tRPC code and a machine-readable `data.reason` that fits it
 * (`reason` itself when given); returns the error for further checks.
 */
export async function expectApiError(
	promise: Promise<unknown>,
	code: string,
	reason?: ErrorReason
): Promise<ApiError> {
	try {
		await promise;
	} catch (error) {
		if (error instanceof ApiError && error.code === code) {
			const got = error.reason;
			if (reason ? got === reason : reasonFits(code, got)) return error;
			throw new Error(
				`${code} carries reason ${String(got)}, expected ${reason ?? 'one that fits'}`,
				{
					cause: error
				}
			);
		}
		throw new Error(`expected ${code}, got ${error instanceof Error ? error.message : error}`, {
			cause: error
		});
	}
	throw new Error(`expected ${code}, but the call succeeded`);
}
