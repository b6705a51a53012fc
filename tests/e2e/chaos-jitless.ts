/** zod reads this object as its global configuration (before any schema exists): no eval. */
const global = globalThis as unknown as { __zod_globalConfig?: { jitless?: boolean } };
global.__zod_globalConfig = { ...global.__zod_globalConfig, jitless: true };

export {};
