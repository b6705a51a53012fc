/**
 * The benchmark runner (bench/run.js) runs each case in its own process group: a server the case
 * started goes when the case is killed at its timeout, and when the case ends without stopping
 * it. The case here is a small script that starts a real HTTP server in a child process, as the
 * cases start Beckon's built server (bench/lib/beckon.ts: spawned, not detached).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCase } from '../../bench/lib/run-case.js';

const dir = mkdtempSync(join(tmpdir(), 'beckon-bench-runner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A case that starts a server on 127.0.0.1, writes its pid and port, then hangs or reports. */
function caseScript(name: string, then: 'hang' | 'report'): string {
	const file = join(dir, `${name}.mjs`);
	const server = `require('node:http').createServer((q, s) => s.end('up')).listen(0, '127.0.0.1', function () { console.log(this.address().port) })`;
	writeFileSync(
		file,
		`import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const child = spawn(process.execPath, ['-e', ${JSON.stringify(server)}], { stdio: ['ignore', 'pipe', 'inherit'] });
child.stdout.once('data', (port) => {
	writeFileSync(${JSON.stringify(join(dir, `${name}.json`))}, JSON.stringify({ pid: child.pid, port: Number(port) }));
	${then === 'report' ? `console.log('BENCH_RESULT ' + JSON.stringify({ summary: 'done' })); process.exit(0);` : `setInterval(() => {}, 1000);`}
});
`
	);
	return file;
}

/** Whether `pid` is a live process (a zombie waiting for its reaper counts as gone). */
function alive(pid: number): boolean {
	try {
		return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
	} catch {
		return false;
	}
}

async function answers(port: number): Promise<boolean> {
	try {
		return (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) })).ok;
	} catch {
		return false;
	}
}

async function gone(pid: number, port: number) {
	for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
	return !alive(pid) && !(await answers(port));
}

describe('bench runner', () => {
	it('kills the server a case started when the case is killed at its timeout', async () => {
		const script = caseScript('hangs', 'hang');
		const started = runCase([script], { timeoutMs: 2000 });
		// While the case runs, its server answers.
		let server: { pid: number; port: number } | undefined;
		for (let i = 0; i < 100 && !server; i++) {
			await new Promise((r) => setTimeout(r, 20));
			try {
				server = JSON.parse(readFileSync(join(dir, 'hangs.json'), 'utf8'));
			} catch {
				// not written yet
			}
		}
		expect(server).toBeDefined();
		expect(await answers(server!.port)).toBe(true);
		const result = await started;
		expect(result.error).toBe('killed (SIGKILL) after 2000 ms');
		expect(await gone(server!.pid, server!.port)).toBe(true);
	});

	it('kills a server the case left running when it ends, and keeps its result', async () => {
		const result = await runCase([caseScript('reports', 'report')], { timeoutMs: 10_000 });
		expect(result).toEqual({ summary: 'done' });
		const server = JSON.parse(readFileSync(join(dir, 'reports.json'), 'utf8'));
		expect(await gone(server.pid, server.port)).toBe(true);
	});
});
