/**
 * The set-up the service specs share: a Beckon of their own for a describe block (or a file), and
 * users made the way an admin makes them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Beckon, Clock } from '../../src/server/app';
import type { Permission, Role } from '../../src/lib/domain/types';
import { createUser, loadAuthUser, type AuthUser } from '../../src/server/services/users';
import { createTestBeckon } from './database';

/**
 * Registers, in the describe block it is called in, a Beckon on a new temporary folder made
 * before its tests (`opened` receives it, to set up data) and closed, with its folder removed,
 * after them. Its tests read it as `.app`.
 */
export function useTestBeckon(
	clock: Clock,
	opened: (app: Beckon) => void | Promise<void> = () => {}
): { readonly app: Beckon } {
	let dataDir: string | undefined;
	let app: Beckon | undefined;
	beforeAll(async () => {
		dataDir = mkdtempSync(join(tmpdir(), 'beckon-spec-'));
		app = createTestBeckon(dataDir, clock);
		await opened(app);
	});
	afterAll(() => {
		app?.close();
		if (dataDir) rmSync(dataDir, { recursive: true, force: true });
	});
	return {
		get app() {
			if (!app) throw new Error('the test Beckon is opened before the tests run');
			return app;
		}
	};
}

/** A new user `name` (`name@example.com`), as the services see them signed in. */
export async function testUser(
	app: Beckon,
	name: string,
	role: Role = 'agent',
	permission: Permission = 'edit'
): Promise<AuthUser> {
	const { id } = await createUser(app, {
		email: `${name}@example.com`,
		name,
		password: 'long enough password',
		role,
		permission
	});
	return loadAuthUser(app, id)!;
}
