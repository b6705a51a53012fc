// The single executable's start: unpacks the embedded server, client assets, migrations and
// native addons once into a private cache folder (keyed by their hash), then runs the server
// from there. Everything after that is the ordinary server code.
'use strict';
const sea = require('node:sea');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

function cacheRoot() {
	if (process.env.BECKON_CACHE_DIR) return process.env.BECKON_CACHE_DIR;
	const home = os.homedir();
	const base = process.env.XDG_CACHE_HOME || (home ? path.join(home, '.cache') : os.tmpdir());
	return path.join(base, 'beckon');
}

function unpack(index) {
	const root = cacheRoot();
	const dir = path.join(root, `${index.version}-${index.hash.slice(0, 16)}`);
	if (fs.existsSync(path.join(dir, '.complete'))) return dir;
	fs.mkdirSync(root, { recursive: true, mode: 0o700 });
	// Unpack beside the target and rename into place, so two starts at once, or a start killed
	// midway, never leave a half-written folder behind the final name.
	const staging = fs.mkdtempSync(path.join(root, '.unpack-'));
	for (const file of index.files) {
		const target = path.join(staging, file);
		fs.mkdirSync(path.dirname(target), { recursive: true });
		fs.writeFileSync(target, new Uint8Array(sea.getRawAsset(file)));
	}
	fs.writeFileSync(path.join(staging, '.complete'), index.hash);
	try {
		fs.renameSync(staging, dir);
	} catch (error) {
		fs.rmSync(staging, { recursive: true, force: true });
		if (!fs.existsSync(path.join(dir, '.complete'))) throw error;
	}
	return dir;
}

const index = JSON.parse(sea.getAsset('index.json', 'utf8'));
const dir = unpack(index);
process.env.BECKON_MIGRATIONS_DIR ??= path.join(dir, 'drizzle');
import(pathToFileURL(path.join(dir, 'app', 'entry.mjs')).href).catch((error) => {
	console.error(error);
	process.exit(1);
});
