-- The change feed (server/events). Appends take a transaction-level advisory lock held until commit,
-- so ids are assigned in commit order and a reader that saw id N will never later find a smaller id.
CREATE TABLE "events" (
    "id" BIGSERIAL NOT NULL,
    "topic" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "ticker" TEXT,
    "timeframe" TEXT,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "events_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "events_topic_known" CHECK ("topic" IN ('bar', 'prediction', 'order', 'job', 'ingestion', 'model')),
    CONSTRAINT "events_name_in_topic" CHECK (starts_with("name", "topic" || '.')),
    CONSTRAINT "events_payload_object" CHECK (jsonb_typeof("payload") = 'object')
);

-- Retention deletes by age.
CREATE INDEX "events_created_at_idx" ON "events"("created_at");
