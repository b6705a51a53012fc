import { defineConfig } from 'drizzle-kit';

export default defineConfig({
	schema: './src/server/db/schema.ts',
	out: './drizzle',
	dialect: 'sqlite',
	strict: true
});
