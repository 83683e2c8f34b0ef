// The change feed for the SPA: one tRPC subscription over SSE (httpSubscriptionLink) carrying the
// channels of GET /api/stream. Each item is `tracked` with its feed id, so the client's reconnect
// sends it back as `lastEventId` and resumes without a gap (or gets a `reset` item).
import { tracked, TRPCError } from '@trpc/server';
import { z } from 'zod';
import { accessError, router, scopedProcedure } from '../trpc';
import { channelsFilter, matchesChannels, parseChannels } from './channels';

/** A generous cap: the SPA asks for one channel per open view. */
const MAX_CHANNELS = 100;

const LiveInputSchema = z.object({
  channels: z.array(z.string()).min(1).max(MAX_CHANNELS),
  lastEventId: z
    .string()
    .regex(/^\d{1,18}$/)
    .nullish(),
});

export const eventsRouter = router({
  // Any signed-in key: each channel needs its own scope (a trading-only key may follow its orders).
  live: scopedProcedure(null)
    .input(LiveInputSchema)
    .subscription(async function* ({ ctx, input, signal }) {
      const parsed = parseChannels(input.channels.join(','), MAX_CHANNELS);
      if ('issues' in parsed) throw new TRPCError({ code: 'BAD_REQUEST', message: parsed.issues.map((i) => i.message).join('; ') });
      for (const channel of parsed.channels) {
        const denied = accessError(ctx.principal, ctx.authError, channel.scope);
        if (denied) throw denied;
      }
      const { channels } = parsed;
      for await (const item of ctx.services.events.stream(channelsFilter(channels), input.lastEventId ?? undefined, signal ?? new AbortController().signal)) {
        if (item.kind === 'reset') yield tracked(item.latestId, item);
        else if (matchesChannels(item.event, channels)) yield tracked(item.event.id, item);
      }
    }),
});
