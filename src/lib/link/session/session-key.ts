/**
 * The key the server gave this page when its end user allowed the session: the session's later
 * calls carry it, so that another holder of the link cannot act in it. Kept for the tab only
 * (sessionStorage: a reload keeps it, another tab or browser does not have it).
 */
const storageKey = (token: string) => `beckon-session-key:${token}`;

function storage(): Storage | null {
	try {
		return typeof sessionStorage === 'undefined' ? null : sessionStorage;
	} catch {
		return null; // storage disabled
	}
}

let inMemory: Record<string, string> = {};

export function rememberSessionKey(token: string, key: string) {
	inMemory = { ...inMemory, [token]: key };
	try {
		storage()?.setItem(storageKey(token), key);
	} catch {
		// full or disabled: the page keeps it in memory
	}
}

export function sessionKeyFor(token: string): string | undefined {
	return inMemory[token] ?? storage()?.getItem(storageKey(token)) ?? undefined;
}
