/**
 * Sign-in rules shared by the server and the agent app: who must have a second factor, and the
 * shapes of the codes a user types.
 */
import type { Role } from './types';

/** The organisation's setting: nobody, admins, or every account must use an authenticator app. */
export const TWO_FACTOR_REQUIREMENTS = ['off', 'admins', 'everyone'] as const;
export type TwoFactorRequirement = (typeof TWO_FACTOR_REQUIREMENTS)[number];

export function requiresSecondFactor(requirement: TwoFactorRequirement, role: Role): boolean {
	return requirement === 'everyone' || (requirement === 'admins' && role === 'admin');
}

/** Recovery codes as typed: case, spaces and dashes do not matter. */
export const normalizeRecoveryCode = (code: string) => code.toLowerCase().replace(/[\s-]/g, '');

/** How many recovery codes a confirmed second factor comes with. */
export const RECOVERY_CODE_COUNT = 10;
