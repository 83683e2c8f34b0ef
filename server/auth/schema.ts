// Auth concepts: scopes, API keys, the signed-in identity.
import { z } from 'zod';
import { KEY_NAME_MAX_LENGTH } from '../shared/limits';

export const SCOPES = [
  'market:read',
  'market:write',
  'predictions:read',
  'predictions:write',
  'models:write',
  'trading:read',
  'trading:execute',
  'webhooks',
  'admin',
] as const;
export const ScopeSchema = z.enum(SCOPES);
export type Scope = z.infer<typeof ScopeSchema>;

/** Scopes of the plan's environment-variable keys (documented in the README). */
export const ENV_KEY_SCOPES = {
  TRADING_BOT_API_KEY: ['market:read', 'predictions:read', 'trading:read', 'trading:execute', 'webhooks'],
  ML_SERVICE_API_KEY: ['market:read', 'predictions:read', 'predictions:write', 'models:write'],
} as const satisfies Record<string, readonly Scope[]>;

const KeyNameSchema = z.string().trim().min(1).max(KEY_NAME_MAX_LENGTH).regex(/^[\w .:@-]+$/, 'name may hold letters, digits, spaces and _ . : @ -');

export const CreateKeyInputSchema = z.object({
  name: KeyNameSchema,
  scopes: z.array(ScopeSchema).min(1),
  expiresAt: z.coerce.date<Date | string>().optional(),
});

export const ApiKeyInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.string()),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  expiresAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
});
export type ApiKeyInfo = z.infer<typeof ApiKeyInfoSchema>;

export const MeSchema = z.object({ name: z.string(), keyPrefix: z.string(), scopes: z.array(z.string()) }).nullable();

export const LoginBodySchema = z.object({ apiKey: z.string().min(1).max(200) });
