// The outbound-webhook concepts, one zod schema each, shared by tRPC, REST and the SPA.
import { z } from 'zod';
import { TickerSchema } from '../market-data/schema';
import { LimitSchema } from '../shared/pagination';
import { ROW_LIMITS } from '../shared/limits';
import { IsoDateTimeSchema } from '../shared/time';

/** The feed events a subscription may ask for, and the scope a key needs to receive each. */
export const WEBHOOK_EVENT_SCOPES = {
  'prediction.created': 'predictions:read',
  'prediction.resolved': 'predictions:read',
  'order.filled': 'trading:read',
  'order.canceled': 'trading:read',
  'model.deployed': 'predictions:read',
  'ingestion.failed': 'market:read',
} as const;
export type WebhookEvent = keyof typeof WEBHOOK_EVENT_SCOPES;
const WEBHOOK_EVENTS = Object.keys(WEBHOOK_EVENT_SCOPES) as [WebhookEvent, ...WebhookEvent[]];

/** Subscriptions per key: a bot needs a handful; a loop creating thousands is refused. */
export const MAX_SUBSCRIPTIONS_PER_KEY = 25;

export const CreateWebhookInputSchema = z.object({
  url: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .describe('http(s) URL receiving the POSTs; private and loopback addresses are refused unless WEBHOOK_ALLOWED_HOSTS lists the host'),
  events: z
    .array(z.enum(WEBHOOK_EVENTS))
    .min(1)
    .max(WEBHOOK_EVENTS.length)
    .transform((events) => [...new Set(events)])
    .describe(`Event names: ${WEBHOOK_EVENTS.join(', ')}`),
  tickers: z
    .array(TickerSchema)
    .max(100)
    .optional()
    .transform((tickers) => [...new Set(tickers ?? [])])
    .describe('Only events of these tickers; omitted or empty = every ticker'),
});
export type CreateWebhookInput = z.infer<typeof CreateWebhookInputSchema>;

export const WebhookIdSchema = z.object({ id: z.uuid() });

export const DeliveriesQuerySchema = z.object({ id: z.uuid(), limit: LimitSchema(ROW_LIMITS.webhookDeliveries) });
export type DeliveriesQuery = z.infer<typeof DeliveriesQuerySchema>;

const WebhookSchema = z.object({
  id: z.uuid(),
  url: z.string(),
  events: z.array(z.string()),
  tickers: z.array(z.string()),
  keyId: z.uuid().describe('The API key that owns it'),
  createdAt: IsoDateTimeSchema,
});
export type Webhook = z.infer<typeof WebhookSchema>;

export const CreatedWebhookResponseSchema = z.object({
  success: z.literal(true),
  webhook: WebhookSchema.extend({ secret: z.string().describe('whsec_… signing secret: shown this once, store it now') }),
});

export const WebhookListResponseSchema = z.object({ success: z.literal(true), count: z.number(), webhooks: z.array(WebhookSchema) });

export const DeletedWebhookResponseSchema = z.object({ success: z.literal(true), id: z.uuid() });

const AttemptSchema = z.object({
  attempt: z.number(),
  startedAt: IsoDateTimeSchema,
  durationMs: z.number(),
  statusCode: z.number().nullable().describe("The receiver's HTTP status; null when none came (timeout, refused, unreachable)"),
  error: z.string().nullable(),
});

const DeliverySchema = z.object({
  id: z.uuid().describe('The webhook-id header of every attempt'),
  eventId: z.string(),
  event: z.string(),
  status: z.enum(['pending', 'delivered', 'dead']),
  attempts: z.array(AttemptSchema),
  nextAttemptAt: IsoDateTimeSchema.nullable(),
  createdAt: IsoDateTimeSchema,
  finishedAt: IsoDateTimeSchema.nullable(),
});
export type Delivery = z.infer<typeof DeliverySchema>;

export const DeliveriesResponseSchema = z.object({ success: z.literal(true), count: z.number(), deliveries: z.array(DeliverySchema) });
