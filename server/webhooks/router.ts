// Outbound-webhook procedures: served to bots as REST (/api/webhooks) and to the SPA over tRPC.
// A key manages its own subscriptions (an admin key sees and deletes everyone's), and may only
// subscribe to events it could read: each event name needs its read scope (WEBHOOK_EVENT_SCOPES).
import { z } from 'zod';
import { hasScope, type Principal } from '../auth/principal';
import { accessError, router, scopedProcedure } from '../trpc';
import type { Owner } from './repository';
import {
  CreatedWebhookResponseSchema,
  CreateWebhookInputSchema,
  DeletedWebhookResponseSchema,
  DeliveriesQuerySchema,
  DeliveriesResponseSchema,
  WEBHOOK_EVENT_SCOPES,
  WebhookIdSchema,
  WebhookListResponseSchema,
} from './schema';

const manage = scopedProcedure('webhooks');
const tags = ['webhooks'];

const ownerOf = (principal: Principal): Owner => (hasScope(principal, 'admin') ? null : principal.keyId);

export const webhooksRouter = router({
  create: manage
    .meta({ openapi: { method: 'POST', path: '/webhooks', tags, summary: 'Subscribe a URL to events (the signing secret is returned this once)' } })
    .input(CreateWebhookInputSchema)
    .output(CreatedWebhookResponseSchema)
    .mutation(async ({ ctx, input }) => {
      for (const event of input.events) {
        const denied = accessError(ctx.principal, null, WEBHOOK_EVENT_SCOPES[event]);
        if (denied) throw denied;
      }
      return { success: true as const, webhook: await ctx.services.webhooks.create(ctx.principal.keyId, input) };
    }),

  list: manage
    .meta({
      openapi: { method: 'GET', path: '/webhooks', tags, summary: "This key's webhook subscriptions (an admin key: everyone's); secrets are never listed" },
    })
    .input(z.void())
    .output(WebhookListResponseSchema)
    .query(async ({ ctx }) => {
      const webhooks = await ctx.services.webhooks.list(ownerOf(ctx.principal));
      return { success: true as const, count: webhooks.length, webhooks };
    }),

  delete: manage
    .meta({ openapi: { method: 'DELETE', path: '/webhooks/{id}', tags, summary: 'Delete a subscription with its delivery log; pending deliveries stop' } })
    .input(WebhookIdSchema)
    .output(DeletedWebhookResponseSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.webhooks.delete(input.id, ownerOf(ctx.principal));
      return { success: true as const, id: input.id };
    }),

  deliveries: manage
    .meta({
      openapi: {
        method: 'GET',
        path: '/webhooks/{id}/deliveries',
        tags,
        summary: 'The delivery log of a subscription, newest first: every attempt with its status code, error and duration',
      },
    })
    .input(DeliveriesQuerySchema)
    .output(DeliveriesResponseSchema)
    .query(async ({ ctx, input }) => {
      const deliveries = await ctx.services.webhooks.deliveries(input, ownerOf(ctx.principal));
      return { success: true as const, count: deliveries.length, deliveries };
    }),
});
