// The inbound-webhook concepts shared by tRPC and REST (the delivery itself is the predictions'
// WebhookInputSchema).
import { z } from 'zod';

export const RotateSecretInputSchema = z.object({
  keyId: z.uuid().optional().describe("The API key whose secret to create or replace; default: the caller's own (another key's needs admin)"),
});

export const RotateSecretResponseSchema = z.object({
  success: z.literal(true),
  keyId: z.uuid(),
  secret: z.string().describe('whsec_… — shown this once; the previous secret stops working now'),
});
