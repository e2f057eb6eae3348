import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes a new SQL migration into db/migrations from db/schema.ts;
// the processes apply pending migrations at start (db/client.ts).
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema.ts',
  out: './db/migrations',
});
