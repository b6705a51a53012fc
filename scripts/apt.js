// Installs one of Debian's packages for the test tools (Chromium, PostgreSQL): only as root,
// where `apt-get` works as it is; returns whether the install went through.
import { spawnSync } from 'node:child_process';

/** @param {string} name @returns {boolean} */
export function aptInstall(name) {
	if (process.getuid?.() !== 0) return false;
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	const update = spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
	if (update.status !== 0) return false;
	return spawnSync('apt-get', ['install', '-y', name], { stdio: 'inherit', env }).status === 0;
}
