// Inbound webhooks (ML services pushing predictions), signed the Standard Webhooks way
// (server/shared/webhook-signature.ts): each API key has its own secret, stored sealed
// (server/shared/secret-box.ts) and shown once when created or rotated. A delivery is accepted only
// with a valid signature no older (or newer) than 5 minutes and a message id not seen before.
import type { Principal } from '../auth/principal';
import type { StoreResult } from '../predictions/service';
import type { WebhookInput } from '../predictions/schema';
import { DomainError } from '../shared/domain-error';
import type { SecretBox } from '../shared/secret-box';
import { newWebhookSecret, verifyWebhook } from '../shared/webhook-signature';
import type { InboundWebhookRepository } from './repository';

/** Message ids are kept this long: a signature is valid 5 minutes either side of its timestamp. */
const REPLAY_WINDOW_SECONDS = 10 * 60;

/** Where accepted deliveries go (the prediction service fulfils it). */
export interface PredictionSink {
  webhook(input: WebhookInput): Promise<StoreResult>;
}

export class InboundWebhookService {
  private box: SecretBox | null = null;

  constructor(
    private readonly repository: InboundWebhookRepository,
    /** Opened on first use: the key file is only created when a secret is needed. */
    private readonly openSecretBox: () => SecretBox,
    private readonly predictions: PredictionSink,
  ) {}

  /** A new secret for the key, replacing any before it; returned once, stored sealed. */
  async rotateSecret(keyId: string): Promise<string> {
    const secret = newWebhookSecret();
    if (!(await this.repository.saveSecret(keyId, this.secretBox().seal(secret)))) throw DomainError.notFound(`No live API key has id ${keyId}`);
    return secret;
  }

  /**
   * Who signed the delivery: the presented key when there is one (its secret must match), otherwise
   * the live key whose secret matches. A missing, wrong or stale signature is 'unauthenticated'.
   */
  async authenticate(headers: Record<string, string | string[] | undefined>, rawBody: Buffer, presented: Principal | null): Promise<{ principal: Principal; messageId: string }> {
    const candidates = await this.repository.signingKeys(presented?.keyId);
    if (candidates.length === 0) {
      throw new DomainError('unauthenticated', presented ? 'This API key has no webhook secret: create one with POST /api/predictions/webhook/secret' : 'No webhook secret is configured');
    }
    let refusal: unknown = null;
    for (const key of candidates) {
      try {
        const messageId = verifyWebhook(this.secretBox().open(key.sealedSecret), headers, rawBody);
        return { principal: { keyId: key.keyId, name: key.name, prefix: key.prefix, scopes: new Set(key.scopes) }, messageId };
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        refusal = error;
      }
    }
    throw refusal;
  }

  /** Stores a verified delivery once: a message id already accepted is a 409 and stores nothing. */
  async accept(keyId: string, messageId: string, input: WebhookInput): Promise<StoreResult> {
    if (!(await this.repository.claimMessage(keyId, messageId, REPLAY_WINDOW_SECONDS))) {
      throw DomainError.conflict(`Webhook message ${messageId} was already received`);
    }
    try {
      return await this.predictions.webhook(input);
    } catch (error) {
      await this.repository.releaseMessage(keyId, messageId);
      throw error;
    }
  }

  private secretBox(): SecretBox {
    this.box ??= this.openSecretBox();
    return this.box;
  }
}
