-- CreateEnum
CREATE TYPE "ResolutionStatus" AS ENUM ('PENDING', 'RESOLVED', 'UNRESOLVABLE');

-- AlterTable
ALTER TABLE "models" ADD COLUMN     "neutral_band" DOUBLE PRECISION NOT NULL DEFAULT 0.0001;

-- AlterTable
ALTER TABLE "predictions" ADD COLUMN     "base_price_mismatch" BOOLEAN,
ADD COLUMN     "outcome_bar_time" TIMESTAMPTZ(3),
ADD COLUMN     "reference_bar_time" TIMESTAMPTZ(3),
ADD COLUMN     "reference_price" DOUBLE PRECISION,
ADD COLUMN     "resolution_status" "ResolutionStatus" NOT NULL DEFAULT 'PENDING',
ADD COLUMN     "unresolvable_reason" TEXT;

-- CreateIndex
CREATE INDEX "predictions_resolution_status_target_time_idx" ON "predictions"("resolution_status", "target_time");

-- Predictions resolved before this migration keep their outcome.
UPDATE "predictions" SET "resolution_status" = 'RESOLVED' WHERE "resolved_at" IS NOT NULL;

-- Invariants Prisma cannot express.
ALTER TABLE "models" ADD CONSTRAINT "models_neutral_band_check" CHECK ("neutral_band" >= 0 AND "neutral_band" < 1);
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_unresolvable_reason_check"
  CHECK (("resolution_status" = 'UNRESOLVABLE') = ("unresolvable_reason" IS NOT NULL));
