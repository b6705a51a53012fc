// The single executable's start: unpacks the embedded server, client assets, migrations and
// native addons once into a private cache folder (keyed by their hash), then runs the server
// from there. Everything after that is the ordinary server code.
//
// The cache folder is code this process will run, so it must be this user's alone: it is never
// a shared temporary folder, it must be owned by the user and writable by nobody else (checked
// at every start, as is the folder above it that we created), and every unpacked file is checked
// against the hash the build recorded before the server is loaded; a folder that fails is
// unpacked again. (Outside the executable this file only exports its functions, for the tests.)
'use strict';
const sea = require('node:sea');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

class CacheError extends Error {}

/** BECKON_CACHE_DIR, else $XDG_CACHE_HOME/beckon, else ~/.cache/beckon; never the temp folder. */
function cacheRoot(env, home) {
	if (env.BECKON_CACHE_DIR) return path.resolve(env.BECKON_CACHE_DIR);
	if (env.XDG_CACHE_HOME) return path.join(path.resolve(env.XDG_CACHE_HOME), 'beckon');
	if (home) return path.join(home, '.cache', 'beckon');
	throw new CacheError(
		'beckon: no private folder to unpack into (no HOME): set BECKON_CACHE_DIR to a folder of your own'
	);
}

/** Refuses a folder that is not a real folder of this user, or that others may write to. */
function checkOwnFolder(dir) {
	const stat = fs.lstatSync(dir);
	if (stat.isSymbolicLink() || !stat.isDirectory()) {
		throw new CacheError(`beckon: ${dir} is not a folder (a link or a file); remove it`);
	}
	if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
		throw new CacheError(`beckon: ${dir} belongs to another user; set BECKON_CACHE_DIR`);
	}
	if ((stat.mode & 0o022) !== 0) {
		throw new CacheError(
			`beckon: ${dir} is writable by others (mode ${(stat.mode & 0o777).toString(8)}); run chmod go-w on it or set BECKON_CACHE_DIR`
		);
	}
}

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

/** The files of `dir` whose content is not what the build recorded (missing ones included). */
function damagedFiles(dir, index) {
	return index.files.filter((file) => {
		try {
			return sha256(fs.readFileSync(path.join(dir, file))) !== index.hashes[file];
		} catch {
			return true;
		}
	});
}

/** The verified folder of this build under `root`, unpacked (again) from `assetOf` if needed. */
function unpack(index, root, assetOf) {
	fs.mkdirSync(root, { recursive: true, mode: 0o700 });
	checkOwnFolder(root);
	const dir = path.join(root, `${index.version}-${index.hash.slice(0, 16)}`);
	if (fs.existsSync(path.join(dir, '.complete'))) {
		checkOwnFolder(dir);
		if (damagedFiles(dir, index).length === 0) return dir;
		// Changed since it was unpacked: replace it whole.
		fs.rmSync(dir, { recursive: true, force: true });
	}
	// Unpack beside the target and rename into place, so two starts at once, or a start killed
	// midway, never leave a half-written folder behind the final name.
	const staging = fs.mkdtempSync(path.join(root, '.unpack-'));
	for (const file of index.files) {
		const target = path.join(staging, file);
		fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
		fs.writeFileSync(target, assetOf(file), { mode: 0o600 });
	}
	const damaged = damagedFiles(staging, index);
	if (damaged.length > 0) {
		fs.rmSync(staging, { recursive: true, force: true });
		throw new CacheError(`beckon: unpacked files do not match the build: ${damaged.join(', ')}`);
	}
	fs.writeFileSync(path.join(staging, '.complete'), index.hash);
	try {
		fs.renameSync(staging, dir);
	} catch (error) {
		fs.rmSync(staging, { recursive: true, force: true });
		if (!fs.existsSync(path.join(dir, '.complete'))) throw error;
		checkOwnFolder(dir);
		if (damagedFiles(dir, index).length > 0) throw error;
	}
	return dir;
}

if (sea.isSea()) {
	const index = JSON.parse(sea.getAsset('index.json', 'utf8'));
	let dir;
	try {
		dir = unpack(
			index,
			cacheRoot(process.env, os.homedir()),
			(file) => new Uint8Array(sea.getRawAsset(file))
		);
	} catch (error) {
		console.error(error instanceof CacheError ? error.message : error);
		process.exit(1);
	}
	process.env.BECKON_MIGRATIONS_DIR ??= path.join(dir, 'drizzle');
	import(pathToFileURL(path.join(dir, 'app', 'entry.mjs')).href).catch((error) => {
		console.error(error);
		process.exit(1);
	});
} else {
	module.exports = { cacheRoot, checkOwnFolder, damagedFiles, unpack, CacheError };
}
