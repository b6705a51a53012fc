import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';

// Client and universal code must never pull in server modules. Only local and aliased paths are
// matched, so packages such as @trpc/server are not. Type-only imports are erased at build time,
// so they stay allowed (e.g. the tRPC client needs `type AppRouter`).
const serverImports = {
	regex: '^(\\$server|[.$/].*/server)(/|$)|^[.$/].*\\.server(\\.[jt]s)?$',
	allowTypeImports: true,
	message: 'Server code must not be imported from client or universal code.'
};

// The domain layer is pure logic: no UI framework, storage or transport, not even their types.
const impureImports = {
	regex: '^(svelte|dexie|drizzle-orm)(/|$)|^@trpc/',
	message: 'src/lib/domain must stay pure: no svelte, dexie, drizzle-orm or @trpc imports.'
};

export default defineConfig(
	{
		ignores: [
			'build/',
			'.svelte-kit/',
			'dist/',
			'node_modules/',
			'drizzle/',
			'test-results/',
			'playwright-report/',
			'data/',
			'coverage/',
			'bench/results/'
		]
	},
	js.configs.recommended,
	ts.configs.recommended,
	svelte.configs['flat/recommended'],
	{
		languageOptions: {
			globals: { ...globals.browser, ...globals.node }
		},
		rules: {
			'no-unused-vars': 'off',
			'@typescript-eslint/no-unused-vars': [
				'error',
				{
					argsIgnorePattern: '^_',
					varsIgnorePattern: '^_',
					caughtErrorsIgnorePattern: '^_',
					destructuredArrayIgnorePattern: '^_'
				}
			]
		}
	},
	{
		// No projectService: the recommended rule sets need no type information, and svelte-check
		// already does the type checking, so linting stays fast.
		files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
		languageOptions: {
			parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'] }
		},
		// TypeScript (via svelte-check) already reports undefined names, and no-undef does not
		// understand type-only globals such as `App.PageData`.
		rules: { 'no-undef': 'off' }
	},
	{
		files: [
			'src/lib/**',
			'src/routes/**/*.svelte',
			'src/routes/**/+page.ts',
			'src/routes/**/+layout.ts'
		],
		// Server-only modules inside $lib may of course import each other.
		ignores: ['src/lib/**/server/**', 'src/lib/**/*.server.ts', 'src/lib/**/*.server.js'],
		rules: { 'no-restricted-imports': ['error', { patterns: [serverImports] }] }
	},
	{
		// Repeats serverImports because a later rule setting replaces, not merges, an earlier one.
		files: ['src/lib/domain/**'],
		rules: { 'no-restricted-imports': ['error', { patterns: [serverImports, impureImports] }] }
	},
	{
		// Tests read loosely typed wire answers; `any` there is the point, not an accident.
		files: ['tests/**', 'src/**/*.spec.ts'],
		rules: { '@typescript-eslint/no-explicit-any': 'off' }
	},
	{
		// The single executable's start file must be CommonJS (Node's SEA main).
		files: ['**/*.cjs'],
		rules: { '@typescript-eslint/no-require-imports': 'off' }
	}
);
