// Runs one benchmark case in its own process group, so that whatever it starts (built servers,
// their workers) goes when the case goes: at its timeout, when it exits or crashes without
// stopping them, and when the runner itself is interrupted or ends. A case's servers are spawned
// without `detached`, so they share the case's group; killing the group (`kill -- -pid`) reaches
// them even when the case itself can no longer clean up (SIGKILL).
import { spawn } from 'node:child_process';

/** Process groups of the cases still running, killed if the runner stops before they end. */
/** @type {Set<number>} */
const running = new Set();

/**
 * Sends `signal` to every process of the group led by `pid`; false if none is left.
 * @param {number} pid
 * @param {NodeJS.Signals} [signal]
 */
export function killGroup(pid, signal = 'SIGKILL') {
	try {
		process.kill(-pid, signal);
		return true;
	} catch {
		return false; // ESRCH: the group is empty
	}
}

function killAll() {
	for (const pid of running) killGroup(pid);
	running.clear();
}

let hooked = false;
/** Once per runner: its exit, Ctrl-C and a TERM take the cases' groups with it. */
function hookRunnerExit() {
	if (hooked) return;
	hooked = true;
	process.once('exit', killAll);
	for (const [signal, number] of /** @type {const} */ ([
		['SIGINT', 2],
		['SIGTERM', 15],
		['SIGHUP', 1]
	])) {
		process.once(signal, () => {
			killAll();
			process.exit(128 + number);
		});
	}
}

/**
 * Runs `node <args>` as a case: resolves with the result it printed on a `BENCH_RESULT <json>`
 * line, or with `{ error }` when it printed none (its exit code, or the timeout that killed it).
 * `onStart` is given the case's process id (its group's id).
 * @param {string[]} args
 * @param {{ timeoutMs?: number, onStart?: (pid: number) => void }} [options]
 * @returns {Promise<Record<string, unknown>>}
 */
export function runCase(args, { timeoutMs, onStart } = {}) {
	hookRunnerExit();
	return new Promise((resolve) => {
		const child = spawn(process.execPath, args, {
			stdio: ['ignore', 'pipe', 'inherit'],
			// Its own process group, led by the case: see above.
			detached: true
		});
		const pid = /** @type {number} */ (child.pid);
		running.add(pid);
		onStart?.(pid);
		let stdout = '';
		child.stdout.on('data', (/** @type {Buffer} */ chunk) => (stdout += chunk));
		let timedOut = false;
		const timer = timeoutMs
			? setTimeout(() => {
					timedOut = true;
					killGroup(pid);
				}, timeoutMs)
			: undefined;
		child.on('exit', () => {
			clearTimeout(timer);
			// Whatever the case left running (a server it did not stop) goes with it.
			killGroup(pid);
			running.delete(pid);
		});
		// After its output is read to the end (no process of the group holds it any more).
		child.on('close', (code, signal) => {
			const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
			if (line) resolve(JSON.parse(line.slice('BENCH_RESULT '.length)));
			else if (timedOut) resolve({ error: `killed (${signal}) after ${timeoutMs} ms` });
			else resolve({ error: signal ? `killed (${signal})` : `exit ${code}` });
		});
	});
}
