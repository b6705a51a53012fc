import { describe, expect, it } from 'vitest';
import { init } from './hooks.client';

describe('the client hook', () => {
	it('turns zod jitless without importing it, so the first schema parses without eval', async () => {
		await init();
		const { z } = await import('zod');
		expect(z.config().jitless).toBe(true);
		expect(z.object({ name: z.string() }).parse({ name: 'Ana' })).toEqual({ name: 'Ana' });
	});
});
