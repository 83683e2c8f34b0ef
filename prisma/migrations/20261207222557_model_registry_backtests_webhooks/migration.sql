-- CreateTable
CREATE TABLE "model_aliases" (
    "id" UUID NOT NULL,
    "ticker" TEXT,
    "timeframe" TEXT,
    "alias" TEXT NOT NULL,
    "model_id" UUID NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "model_aliases_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "model_deployments" (
    "id" BIGSERIAL NOT NULL,
    "ticker" TEXT,
    "timeframe" TEXT,
    "alias" TEXT NOT NULL,
    "from_model_id" UUID,
    "to_model_id" UUID NOT NULL,
    "action" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "model_deployments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "backtest_runs" (
    "id" UUID NOT NULL,
    "model_id" UUID NOT NULL,
    "parameters" JSONB NOT NULL,
    "statistics" JSONB NOT NULL,
    "equity_curve" JSONB NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "backtest_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_secrets" (
    "api_key_id" UUID NOT NULL,
    "sealed_secret" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_secrets_pkey" PRIMARY KEY ("api_key_id")
);

-- CreateTable
CREATE TABLE "webhook_messages" (
    "api_key_id" UUID NOT NULL,
    "message_id" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_messages_pkey" PRIMARY KEY ("api_key_id","message_id")
);

-- CreateIndex
CREATE INDEX "model_aliases_model_id_idx" ON "model_aliases"("model_id");

-- CreateIndex
CREATE INDEX "model_deployments_ticker_timeframe_alias_id_idx" ON "model_deployments"("ticker", "timeframe", "alias", "id" DESC);

-- CreateIndex
CREATE INDEX "backtest_runs_model_id_created_at_idx" ON "backtest_runs"("model_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "webhook_messages_received_at_idx" ON "webhook_messages"("received_at");

-- AddForeignKey
ALTER TABLE "model_aliases" ADD CONSTRAINT "model_aliases_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "models"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_deployments" ADD CONSTRAINT "model_deployments_from_model_id_fkey" FOREIGN KEY ("from_model_id") REFERENCES "models"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_deployments" ADD CONSTRAINT "model_deployments_to_model_id_fkey" FOREIGN KEY ("to_model_id") REFERENCES "models"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "backtest_runs" ADD CONSTRAINT "backtest_runs_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "models"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_secrets" ADD CONSTRAINT "webhook_secrets_api_key_id_fkey" FOREIGN KEY ("api_key_id") REFERENCES "api_keys"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written (Prisma cannot express these).

-- A model version is unique per (series, algorithm, version); NULL series = the generic models.
CREATE UNIQUE INDEX "models_series_algorithm_version" ON "models" (coalesce("ticker", ''), coalesce("timeframe", ''), "algorithm", "version");

-- One model per alias and series. `champion` is the series' active model (models.is_active), never a row here.
CREATE UNIQUE INDEX "model_aliases_series_alias" ON "model_aliases" (coalesce("ticker", ''), coalesce("timeframe", ''), "alias");
ALTER TABLE "model_aliases" ADD CONSTRAINT "model_aliases_alias_check" CHECK ("alias" ~ '^[a-z][a-z0-9_-]{0,62}$' AND "alias" <> 'champion');
ALTER TABLE "model_deployments" ADD CONSTRAINT "model_deployments_alias_check" CHECK ("alias" ~ '^[a-z][a-z0-9_-]{0,62}$');
ALTER TABLE "model_deployments" ADD CONSTRAINT "model_deployments_action_check" CHECK ("action" IN ('deploy', 'rollback'));

-- The deployment history is append-only.
CREATE FUNCTION "model_deployments_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'model_deployments is append-only' USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER "model_deployments_append_only" BEFORE UPDATE OR DELETE ON "model_deployments"
  FOR EACH ROW EXECUTE FUNCTION "model_deployments_append_only"();
