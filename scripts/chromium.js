// Finds the system Chromium for Playwright. We use Debian's package rather than Playwright's
// browser download so CI needs only the npm registry and apt.
import { existsSync } from 'node:fs';
import { aptInstall } from './apt.js';

const DEFAULT_PATH = '/usr/bin/chromium';
/**
 * The flags every Chromium started here gets (the end-to-end tests, the benchmarks): no sandbox
 * (CI runs as root), and none of Chromium's own background connections, which a closed network
 * refuses.
 */
export const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync'
];

/** Where Chromium is: CHROMIUM_PATH, else Debian's. */
export function chromiumPath() {
	return process.env.CHROMIUM_PATH ?? DEFAULT_PATH;
}

const HINT = "Chromium not found: run 'sudo apt-get install -y chromium' or set CHROMIUM_PATH";

/**
 * Returns the Chromium executable path and exports it as CHROMIUM_PATH.
 * Installs Debian's chromium when running as root; throws with a one-line hint otherwise.
 * @returns {string}
 */
export function ensureChromium() {
	const explicit = process.env.CHROMIUM_PATH;
	if (explicit) {
		// Installing the package would not help a mistyped explicit path.
		if (!existsSync(explicit))
			throw new Error(`${HINT} (CHROMIUM_PATH=${explicit} does not exist)`);
		return explicit;
	}
	if (!existsSync(DEFAULT_PATH)) aptInstall('chromium');
	if (!existsSync(DEFAULT_PATH)) throw new Error(HINT);
	process.env.CHROMIUM_PATH = DEFAULT_PATH;
	return DEFAULT_PATH;
}
