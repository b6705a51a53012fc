import { defineConfig } from 'drizzle-kit';

// PostgreSQL's migrations, from the same schema (schema-postgres.ts derives its tables from
// schema.ts). `npm run db:generate` runs drizzle-kit with this config after drizzle.config.ts.
export default defineConfig({
	schema: './src/server/db/schema-postgres.ts',
	out: './drizzle/postgres',
	dialect: 'postgresql',
	strict: true
});
