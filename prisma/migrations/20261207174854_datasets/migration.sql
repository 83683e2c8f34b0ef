-- Training datasets (issue #15): saved dataset versions, and the version a model was trained on.
-- AlterTable
ALTER TABLE "models" ADD COLUMN     "dataset_id" UUID;

-- CreateTable
CREATE TABLE "datasets" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "timeframe" TEXT NOT NULL,
    "tickers" TEXT[],
    "from_date" TIMESTAMPTZ(3) NOT NULL,
    "to_date" TIMESTAMPTZ(3) NOT NULL,
    "definition" JSONB NOT NULL,
    "train_rows" INTEGER NOT NULL,
    "validation_rows" INTEGER NOT NULL,
    "test_rows" INTEGER NOT NULL,
    "counts" JSONB NOT NULL,
    "content_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "datasets_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "datasets_created_at_idx" ON "datasets"("created_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "datasets_name_version_key" ON "datasets"("name", "version");

-- CreateIndex
CREATE UNIQUE INDEX "datasets_name_content_hash_key" ON "datasets"("name", "content_hash");

-- CreateIndex
CREATE INDEX "models_dataset_id_idx" ON "models"("dataset_id");

-- AddForeignKey
ALTER TABLE "models" ADD CONSTRAINT "models_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Invariants the API relies on, kept by the database too.
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_version_check" CHECK ("version" >= 1),
  ADD CONSTRAINT "datasets_rows_check" CHECK ("train_rows" >= 0 AND "validation_rows" >= 0 AND "test_rows" >= 0),
  ADD CONSTRAINT "datasets_range_check" CHECK ("from_date" < "to_date"),
  ADD CONSTRAINT "datasets_timeframe_check" CHECK ("timeframe" IN ('1m', '5m', '15m', '1h', '4h', '1d')),
  ADD CONSTRAINT "datasets_content_hash_check" CHECK ("content_hash" ~ '^[0-9a-f]{64}$');
