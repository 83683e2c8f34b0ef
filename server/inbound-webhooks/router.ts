// Inbound-webhook procedures: an ML service creates or rotates its signing secret here. Deliveries
// themselves arrive at POST /api/predictions/webhook (server/http/prediction-webhook.ts), which
// must see the raw body.
import { TRPCError } from '@trpc/server';
import { hasScope } from '../auth/principal';
import { router, scopedProcedure } from '../trpc';
import { RotateSecretInputSchema, RotateSecretResponseSchema } from './schema';

export const inboundWebhooksRouter = router({
  rotateSecret: scopedProcedure('predictions:write')
    .meta({ openapi: { method: 'POST', path: '/predictions/webhook/secret', tags: ['predictions'], summary: 'Create or rotate the signing secret of an API key for POST /predictions/webhook (returned once)' } })
    .input(RotateSecretInputSchema)
    .output(RotateSecretResponseSchema)
    .mutation(async ({ ctx, input }) => {
      const keyId = input.keyId ?? ctx.principal.keyId;
      if (keyId !== ctx.principal.keyId && !hasScope(ctx.principal, 'admin')) throw new TRPCError({ code: 'FORBIDDEN', message: "Another key's secret needs the admin scope" });
      return { success: true as const, keyId, secret: await ctx.services.inboundWebhooks.rotateSecret(keyId) };
    }),
});
