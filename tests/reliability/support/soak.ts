/**
 * Test sizes: the CI variant by default, the long one under `npm run test:soak` (BECKON_SOAK=1).
 * Each knob can also be set on its own, e.g. BECKON_CRASH_KILLS=50 npx vitest run tests/reliability.
 */
export const SOAK = process.env.BECKON_SOAK === '1';

/** `ci` normally, `soak` under BECKON_SOAK=1, or the number in the environment variable `name`. */
export function size(name: string, ci: number, soak: number): number {
	const given = Number(process.env[name]);
	if (Number.isInteger(given) && given > 0) return given;
	return SOAK ? soak : ci;
}

/** A fast-check seed from BECKON_FC_SEED, to replay a failure; random otherwise. */
export function seed(): number | undefined {
	const given = Number(process.env.BECKON_FC_SEED);
	return Number.isInteger(given) ? given : undefined;
}
