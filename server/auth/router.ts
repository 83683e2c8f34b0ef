// Who am I, and (admin) key management for the SPA. Signing in and out are plain HTTP routes
// (server/http/auth-routes.ts) because they set and clear the session cookie.
import { z } from 'zod';
import { publicProcedure, router, scopedProcedure } from '../trpc';
import { ApiKeyInfoSchema, CreateKeyInputSchema, MeSchema } from './schema';

const admin = scopedProcedure('admin');

export const authRouter = router({
  me: publicProcedure
    .input(z.void())
    .output(MeSchema)
    .query(({ ctx }) =>
      ctx.principal ? { name: ctx.principal.name, keyPrefix: ctx.principal.prefix, scopes: [...ctx.principal.scopes] } : null,
    ),

  keys: router({
    list: admin.input(z.void()).output(z.array(ApiKeyInfoSchema)).query(({ ctx }) => ctx.services.auth.listKeys()),
    create: admin
      .input(CreateKeyInputSchema)
      .output(z.object({ key: z.string(), info: ApiKeyInfoSchema }))
      .mutation(({ ctx, input }) => ctx.services.auth.createKey(input.name, input.scopes, input.expiresAt)),
    revoke: admin
      .input(z.object({ id: z.string().uuid() }))
      .output(z.object({ revoked: z.number() }))
      .mutation(async ({ ctx, input }) => ({ revoked: await ctx.services.auth.revokeKey(input.id) })),
  }),
});
