// Prisma CLI configuration. The URL may be empty: `prisma generate` needs no database, and
// migrations are applied by our own offline runner (server/db/migrate.ts).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
