// The root router: every domain router merged in one place. Its type is what the SPA imports.
import { authRouter } from './auth/router';
import { datasetsRouter } from './datasets/router';
import { eventsRouter } from './events/router';
import { featuresRouter } from './features/router';
import { healthRouter } from './health/router';
import { ingestionRouter } from './ingestion/router';
import { jobsRouter } from './jobs/router';
import { marketDataRouter } from './market-data/router';
import { modelsRouter } from './models/router';
import { predictionsRouter } from './predictions/router';
import { tradingRouter } from './trading/router';
import { router } from './trpc';
import { webhooksRouter } from './webhooks/router';
import { inboundWebhooksRouter } from './inbound-webhooks/router';

export const appRouter = router({
  auth: authRouter,
  datasets: datasetsRouter,
  events: eventsRouter,
  features: featuresRouter,
  health: healthRouter,
  ingestion: ingestionRouter,
  jobs: jobsRouter,
  marketData: marketDataRouter,
  models: modelsRouter,
  predictions: predictionsRouter,
  trading: tradingRouter,
  webhooks: webhooksRouter,
  inboundWebhooks: inboundWebhooksRouter,
});

export type AppRouter = typeof appRouter;
